// Validates several EPUBs in one JVM (EPUBCheck's own CLI takes one file per run, and a
// JVM start costs ~3-4 s). Run in Java's source-file mode, no build step:
//   java -cp epubcheck.jar EpubcheckBatch.java OUTDIR a.epub b.epub ...
// Book i (0-based) gets EPUBCheck's JSON report in OUTDIR/i.json, exactly as
// `java -jar epubcheck.jar -q --json OUTDIR/i.json book` would write it, and a line
// "EPUBCHECK-BATCH<TAB>i<TAB>exit code" on stdout. Used by tests/support/readers.py.
import com.adobe.epubcheck.tool.EpubChecker;

public class EpubcheckBatch {
    public static void main(String[] args) {
        String outdir = args[0];
        for (int i = 1; i < args.length; i++) {
            String json = outdir + "/" + (i - 1) + ".json";
            int rc;
            try {
                rc = new EpubChecker().run(new String[] {args[i], "-q", "--json", json});
            } catch (Throwable t) {
                t.printStackTrace();
                rc = -1;
            }
            System.out.println("EPUBCHECK-BATCH\t" + (i - 1) + "\t" + rc);
        }
    }
}
