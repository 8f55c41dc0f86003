package dev.jobwatch.config;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.stream.Stream;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Request body limits; a body past its limit gets 413 and changes nothing. Each size is from 1 byte to
 * less than 2 GiB: a body is held whole in one array, and Netty counts header and line sizes in an
 * {@code int}.
 *
 * @param log      one log row (env {@code JOBWATCH_LIMIT_LOG}), default 64 KiB
 * @param chunk    one result-stream chunk (env {@code JOBWATCH_LIMIT_CHUNK}), default 64 KiB
 * @param progress one progress value (env {@code JOBWATCH_LIMIT_PROGRESS}), default 16 KiB
 * @param result   one completion body with its result (env {@code JOBWATCH_LIMIT_RESULT}), default 1 MiB
 * @param batch    jobs in one add request (env {@code JOBWATCH_LIMIT_BATCH}), default 1,000
 * @param body     one add request's body (env {@code JOBWATCH_LIMIT_BODY}), default 16 MiB
 * @param headers  all of one request's headers together (env {@code JOBWATCH_LIMIT_HEADERS}), default
 *                 8 KiB; past it the answer is 431
 * @param url      one request line, method and URL with its query (env {@code JOBWATCH_LIMIT_URL}),
 *                 default 4 KiB; past it the answer is 414
 */
@Validated
@ConfigurationProperties("jobwatch.limit")
public record LimitProperties(
        @DefaultValue("64KB") @NotNull DataSize log,
        @DefaultValue("64KB") @NotNull DataSize chunk,
        @DefaultValue("16KB") @NotNull DataSize progress,
        @DefaultValue("1MB") @NotNull DataSize result,
        @DefaultValue("1000") @Min(1) @Max(100_000) int batch,
        @DefaultValue("16MB") @NotNull DataSize body,
        @DefaultValue("8KB") @NotNull DataSize headers,
        @DefaultValue("4KB") @NotNull DataSize url) {

    @AssertTrue(message = "every size limit must be at least 1 byte and less than 2 GiB")
    public boolean isSizesInRange() {
        return Stream.of(log, chunk, progress, result, body, headers, url)
                .allMatch(size -> size == null || (size.toBytes() >= 1 && size.toBytes() <= Integer.MAX_VALUE));
    }
}
