package dev.jobwatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The rules one setting can break alone stay on its record, and its defaults keep them. */
class SingleSettingValidationTest {

    private static ValidatorFactory factory;
    private static Validator validator;

    @BeforeAll
    static void validator() {
        factory = Validation.buildDefaultValidatorFactory();
        validator = factory.getValidator();
    }

    @AfterAll
    static void close() {
        factory.close();
    }

    private static <T> Set<String> broken(String prefix, Class<T> type, Map<String, String> settings) {
        T bound = new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate(prefix, type);
        return validator.validate(bound).stream()
                .map(ConstraintViolation::getMessage)
                .collect(Collectors.toSet());
    }

    @Test
    void theDefaultsAreValid() {
        assertThat(broken("jobwatch", AuthProperties.class, Map.of())).isEmpty();
        assertThat(broken("jobwatch.limit", LimitProperties.class, Map.of())).isEmpty();
        assertThat(broken("jobwatch.watch", WatchProperties.class, Map.of())).isEmpty();
    }

    @Test
    void aTokenTimeToLiveUnderOneSecondIsRefused() {
        assertThat(broken("jobwatch", AuthProperties.class, Map.of("jobwatch.token.ttl", "500ms")))
                .containsExactly("the token time to live must be at least one second");
    }

    @Test
    void aSizeLimitOfNothingOrPastAnIntIsRefused() {
        assertThat(broken("jobwatch.limit", LimitProperties.class, Map.of("jobwatch.limit.log", "0B")))
                .containsExactly("every size limit must be at least 1 byte and less than 2 GiB");
        assertThat(broken("jobwatch.limit", LimitProperties.class, Map.of("jobwatch.limit.body", "2GB")))
                .containsExactly("every size limit must be at least 1 byte and less than 2 GiB");
        assertThat(broken("jobwatch.watch", WatchProperties.class, Map.of("jobwatch.watch.page", "2GB")))
                .containsExactly("the watch page must be less than 2 GiB");
    }
}
