# Validates YAML files against a JSON schema (draft 7): validate.py SCHEMA FILE...; prints
# "ok FILE" or each error with its path; exits 1 if any file fails. Needs PyYAML and
# jsonschema (both in the Snakemake venv .ci/run installs).
import sys, json, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
v = jsonschema.Draft7Validator(schema)
bad = 0
for p in sys.argv[2:]:
    errors = sorted(v.iter_errors(yaml.safe_load(open(p))), key=lambda e: list(e.path))
    for e in errors:
        bad += 1
        print(f"{p}: {'/'.join(map(str, e.path)) or '(top)'}: {e.message}")
    if not errors:
        print(f"ok {p}")
sys.exit(1 if bad else 0)
