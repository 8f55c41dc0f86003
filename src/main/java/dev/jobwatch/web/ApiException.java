package dev.jobwatch.web;

import org.springframework.http.HttpStatus;

/** A request refused for what it is (its size, its content type), with the status that says so. */
class ApiException extends RuntimeException {

    private final HttpStatus status;

    ApiException(HttpStatus status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    HttpStatus status() {
        return status;
    }
}
