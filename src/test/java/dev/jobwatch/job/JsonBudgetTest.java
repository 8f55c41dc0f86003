package dev.jobwatch.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class JsonBudgetTest {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    /** Arrays and objects in turn, {@code levels} deep around one number. */
    private static String nested(int levels) {
        StringBuilder json = new StringBuilder();
        for (int i = 0; i < levels; i++) {
            json.append(i % 2 == 0 ? "[" : "{\"a\":");
        }
        json.append('1');
        for (int i = levels - 1; i >= 0; i--) {
            json.append(i % 2 == 0 ? "]" : "}");
        }
        return json.toString();
    }

    @Test
    void aValueMayNestAHundredLevelsAndNoMore() {
        assertThat(JsonBudget.breach(MAPPER.readTree("1"))).isNull();
        assertThat(JsonBudget.breach(MAPPER.readTree(nested(100)))).isNull();
        assertThat(JsonBudget.breach(MAPPER.readTree("[" + nested(99) + ",{}]")))
                .isNull();
        assertThat(JsonBudget.breach(MAPPER.readTree(nested(101)))).isEqualTo(JsonBudget.TOO_DEEP);
        assertThat(JsonBudget.breach(MAPPER.readTree("[1,[2]," + nested(100) + "]")))
                .as("the deepest branch counts, wherever it is")
                .isEqualTo(JsonBudget.TOO_DEEP);
        assertThat(JsonBudget.breach(MAPPER.readTree("[".repeat(101) + "]".repeat(101))))
                .as("an empty array is a level too")
                .isEqualTo(JsonBudget.TOO_DEEP);
    }

    @Test
    void everyNumberIsAFiniteDouble() {
        for (String fine :
                new String[] {"1.7976931348623157e308", "-1e308", "1e-400", "123456789012345678901234567890"}) {
            assertThat(JsonBudget.breach(MAPPER.readTree("{\"n\":" + fine + "}")))
                    .as(fine)
                    .isNull();
        }
        for (String beyond : new String[] {"1e400", "-1e400", "1" + "0".repeat(400), "1.8e308"}) {
            assertThat(JsonBudget.breach(MAPPER.readTree("[0,{\"n\":" + beyond + "}]")))
                    .as(beyond)
                    .isEqualTo(JsonBudget.OUT_OF_RANGE);
        }
    }

    @Test
    void aClientsValueThatBreaksItIsRefusedByName() {
        assertThatThrownBy(() -> JsonBudget.require(MAPPER.readTree("1e400"), "Progress"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Progress holds a number out of range: every number must be a finite double");
    }

    @Test
    void aStoredTextIsShownOrNullWithWhy() {
        assertThat(JsonBudget.show("{\"a\":[1]}", MAPPER))
                .isEqualTo(new JsonBudget.Shown(MAPPER.readTree("{\"a\":[1]}"), null));
        assertThat(JsonBudget.show(null, MAPPER).value().isNull()).isTrue();
        assertThat(JsonBudget.show(null, MAPPER).omitted()).isNull();
        assertThat(JsonBudget.show(nested(101), MAPPER).omitted()).isEqualTo(JsonBudget.TOO_DEEP);
        assertThat(JsonBudget.show(nested(5_000), MAPPER).omitted())
                .as("past the parser's own depth")
                .isEqualTo(JsonBudget.TOO_DEEP);
        assertThat(JsonBudget.show("1" + "0".repeat(2_000), MAPPER).omitted()).isEqualTo(JsonBudget.TOO_LARGE);
        assertThat(JsonBudget.show("Infinity", MAPPER).omitted()).isEqualTo(JsonBudget.NOT_JSON);
        assertThat(JsonBudget.show(" ", MAPPER).omitted()).isEqualTo(JsonBudget.NOT_JSON);
        assertThat(JsonBudget.show("{", MAPPER).value().isNull()).isTrue();
        assertThat(JsonBudget.show("{", MAPPER).omitted()).isEqualTo(JsonBudget.NOT_JSON);
    }
}
