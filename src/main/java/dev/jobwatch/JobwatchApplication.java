package dev.jobwatch;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class JobwatchApplication {

    public static void main(String[] args) {
        SpringApplication.run(JobwatchApplication.class, args);
    }
}
