package dev.jobwatch.harness;

/**
 * CPU ticks and system calls of the server, Redis and the harness itself: a sample, or with {@link #since} what
 * a measured window used.
 */
record Usage(long serverTicks, long serverKernelTicks, long serverSyscalls, long redisTicks, long clientTicks) {

    static Usage sample(Processes server, Processes redis) {
        return new Usage(
                server.cpuTicks(),
                server.kernelTicks(),
                server.syscalls(),
                redis.cpuTicks(),
                Processes.self().cpuTicks());
    }

    Usage since(Usage start) {
        return new Usage(
                serverTicks - start.serverTicks,
                serverKernelTicks - start.serverKernelTicks,
                serverSyscalls - start.serverSyscalls,
                redisTicks - start.redisTicks,
                clientTicks - start.clientTicks);
    }

    double serverSeconds() {
        return serverTicks / Processes.TICKS_PER_SECOND;
    }

    double serverKernelSeconds() {
        return serverKernelTicks / Processes.TICKS_PER_SECOND;
    }

    double serverUserSeconds() {
        return (serverTicks - serverKernelTicks) / Processes.TICKS_PER_SECOND;
    }

    double redisSeconds() {
        return redisTicks / Processes.TICKS_PER_SECOND;
    }

    double clientSeconds() {
        return clientTicks / Processes.TICKS_PER_SECOND;
    }
}
