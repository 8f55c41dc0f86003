package dev.jobwatch.config;

/** A setting without which the server must not start; the message names the variable to set. */
public class MissingSettingException extends RuntimeException {

    private final String variable;

    public MissingSettingException(String variable, String why) {
        super(variable + " " + why);
        this.variable = variable;
    }

    public String variable() {
        return variable;
    }
}
