package dev.jobwatch;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class JobwatchApplication {

    /**
     * Reactor Netty gives every response it streams a queue as long as its send prefetch (128 by
     * default), for as long as the response lives. A watch stream makes each update only when asked
     * and only while the connection is writable, so a few slots keep it as fast; at 10,000 open
     * streams the default costs about 5 MB of heap. A value given on the command line wins.
     */
    static final String SEND_PREFETCH = "reactor.netty.send.maxPrefetchSize";

    /**
     * Netty samples one buffer in 128 to look for leaks, which costs a stack trace each (about 2 % of a
     * pod's CPU per write in the many-jobs benchmark); the tests run with it on, so a pod need not.
     * A value given on the command line wins.
     */
    static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    public static void main(String[] args) {
        if (System.getProperty(SEND_PREFETCH) == null) {
            System.setProperty(SEND_PREFETCH, "8");
        }
        if (System.getProperty(LEAK_DETECTION) == null) {
            System.setProperty(LEAK_DETECTION, "disabled");
        }
        SpringApplication.run(JobwatchApplication.class, args);
    }
}
