package dev.jobwatch.config;

import java.util.List;

/**
 * A setting that is unset or invalid, or a combination of settings that disagree, with which the server
 * must not start; the message names every variable involved and what is wrong, never a setting's value
 * (it may be a password or a token), and {@link #action()} says what to change.
 */
public class InvalidSettingException extends RuntimeException {

    private final List<String> variables;
    private final String action;

    /** One variable is unset or wrong: the way out is to set it. */
    public InvalidSettingException(String variable, String why) {
        super(variable + " " + why);
        this.variables = List.of(variable);
        this.action = "Set the environment variable " + variable
                + " (see the configuration table in docs/operations.md) " + "and start again.";
    }

    /** Variables that may each be fine alone but not together: the way out is to change one of them. */
    public InvalidSettingException(List<String> variables, String message) {
        super(message);
        this.variables = List.copyOf(variables);
        this.action = "Change " + String.join(" or ", variables) + " so that they agree (see the configuration "
                + "table in docs/operations.md) and start again.";
    }

    public List<String> variables() {
        return variables;
    }

    public String action() {
        return action;
    }
}
