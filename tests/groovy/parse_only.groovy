// Parses each file given with the Groovy compiler up to syntax conversion (no class
// resolution): Nextflow scripts and configs are Groovy syntax, so a file that fails here
// would fail in Nextflow too. Prints "ok FILE" or the error; exits 1 if any failed.
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.Phases

def failed = 0
args.each { name ->
    def unit = new CompilationUnit()
    unit.addSource(new File(name))
    try {
        unit.compile(Phases.CONVERSION)
        println "ok ${name}"
    } catch (e) {
        failed++
        System.err.println("syntax error in ${name}: ${e.message}")
    }
}
System.exit(failed ? 1 : 0)
