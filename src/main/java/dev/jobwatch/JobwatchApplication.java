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

    public static void main(String[] args) {
        if (System.getProperty(SEND_PREFETCH) == null) {
            System.setProperty(SEND_PREFETCH, "8");
        }
        SpringApplication.run(JobwatchApplication.class, args);
    }
}
