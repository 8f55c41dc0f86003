package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A Node project of the tests' own, under {@code src/test}: a test that drives it is skipped without Node
 * or its {@code npm ci}, unless {@code JOBWATCH_REQUIRE_NODE=1} (CI), where that is a failure.
 */
final class NodeProject {

    private NodeProject() {}

    /**
     * @param project the project's folder, with its {@code setup.sh}
     * @param module  a package its {@code npm ci} installs
     * @param needs   what the skipped test needs, in its skip message
     */
    static void require(Path project, String module, String needs) {
        boolean node;
        try {
            Process version = new ProcessBuilder("node", "--version")
                    .redirectErrorStream(true)
                    .start();
            node = version.waitFor(20, TimeUnit.SECONDS) && version.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            node = false;
        }
        boolean installed = Files.isDirectory(project.resolve("node_modules").resolve(module));
        String setup = Path.of("")
                .toAbsolutePath()
                .relativize(project.resolve("setup.sh"))
                .toString();
        String missing = !node ? "node is not on the PATH" : !installed ? "run " + setup + " (npm ci)" : null;
        if (missing != null) {
            if ("1".equals(System.getenv("JOBWATCH_REQUIRE_NODE"))) {
                fail("JOBWATCH_REQUIRE_NODE=1 but " + missing);
            }
            Assumptions.abort(needs + ": " + missing);
        }
    }
}
