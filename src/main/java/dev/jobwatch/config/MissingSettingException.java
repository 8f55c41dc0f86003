package dev.jobwatch.config;

import java.util.List;

/**
 * A setting, or a combination of settings, without which the server must not start; the message names
 * every variable involved and {@link #action()} says what to change.
 */
public class MissingSettingException extends RuntimeException {

    private final List<String> variables;
    private final String action;

    /** One variable is unset or wrong: the way out is to set it. */
    public MissingSettingException(String variable, String why) {
        super(variable + " " + why);
        this.variables = List.of(variable);
        this.action = "Set the environment variable " + variable
                + " (see the configuration table in docs/operations.md) " + "and start again.";
    }

    /** Variables that may each be fine alone but not together: the way out is to change one of them. */
    public MissingSettingException(List<String> variables, String message) {
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
