package dev.jobwatch.job;

import java.util.List;

/**
 * A page of log rows, as BullMQ's getJobLogs answers it.
 *
 * @param count the number of rows the log holds now (a marker row counts when old rows were dropped)
 */
public record LogRows(long count, List<String> logs) {}
