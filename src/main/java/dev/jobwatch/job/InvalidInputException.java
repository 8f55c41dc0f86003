package dev.jobwatch.job;

/** A request that breaks a rule of the contract; its message tells the client which (400). */
public class InvalidInputException extends RuntimeException {

    public InvalidInputException(String message) {
        super(message);
    }
}
