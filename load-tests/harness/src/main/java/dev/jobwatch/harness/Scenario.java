package dev.jobwatch.harness;

/**
 * One of the harness's scenarios, bounded in count and time. It reads its settings from the run's options when
 * it is made, and puts its figures in the run's results, saving them after each step.
 */
interface Scenario {

    void run() throws Exception;
}
