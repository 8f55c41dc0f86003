package dev.jobwatch.store;

/**
 * Redis was reached but refused a command: a script that failed, a key of a type the command cannot
 * take, a Redis out of memory. Its message is the same for every such fault, so that what Redis said
 * (script digests, key names, internals) stays in the server's log and never reaches a client (503).
 */
public class StoreFaultException extends RuntimeException {

    public StoreFaultException(Throwable cause) {
        super("Redis could not serve this request", cause);
    }
}
