package dev.jobwatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.jobwatch.web.SseClient;
import dev.jobwatch.web.WorkerApiClient;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Checks the operators' Grafana dashboard in {@code k8s/grafana/}: every series its queries name is one a
 * real server exposes at {@code /actuator/prometheus} once it has served some traffic (a misspelled or
 * renamed metric leaves a panel empty, with no error to say why), the Grafana variables its queries use
 * are defined, and the ConfigMap that Grafana's sidecar loads holds the same dashboard as the file an
 * operator imports by hand.
 */
class GrafanaDashboardTest {

    private static final Path GRAFANA = Path.of("").toAbsolutePath().resolve("k8s/grafana");
    private static final Path DASHBOARD = GRAFANA.resolve("jobwatch-dashboard.json");
    private static final Path CONFIG_MAP = GRAFANA.resolve("dashboard-configmap.yaml");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Grafana's own variables, which need no definition in the dashboard. */
    private static final Set<String> GRAFANA_VARIABLES = Set.of("__rate_interval", "__interval", "__range");

    /** PromQL words that look like metric names but are not: operators and modifiers. */
    private static final Set<String> KEYWORDS = Set.of(
            "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right");

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern LABEL_MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LIST =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{(\\w+)(?::[^}]*)?}|(\\w+))");
    /** An identifier, and whether a '(' follows it (then it is a function or an aggregation). */
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w:.])([a-zA-Z_:][\\w:]*)(\\s*\\()?");

    private static final Pattern LABEL_VALUES =
            Pattern.compile("^\\s*label_values\\((.*),\\s*\\w+\\s*\\)\\s*$", Pattern.DOTALL);

    private static JsonNode dashboard;

    @BeforeAll
    static void load() throws IOException {
        dashboard = JSON.readTree(DASHBOARD.toFile());
    }

    @Test
    void everySeriesThePanelsAndVariablesQueryIsOneTheServerExposes() {
        Map<String, Set<String>> named = seriesNamedByEachQuery();
        assertThat(named).as("queries in %s", DASHBOARD.getFileName()).isNotEmpty();
        named.forEach((where, series) ->
                assertThat(series).as("series named by %s", where).isNotEmpty());

        try (TestRedis.Lease redis = TestRedis.fromEnvironment();
                TestServer server = new TestServer(redis.url(), "jobwatch.watch.max-streams=1")) {
            serveTraffic(server.port());
            WorkerApiClient api = new WorkerApiClient(server.port());
            // Lettuce and the HTTP server register their meters as commands and requests complete.
            await().untilAsserted(() -> {
                Set<String> exposed = exposedSeries(api);
                List<String> missing = new ArrayList<>();
                named.forEach((where, series) -> series.stream()
                        .filter(name -> !exposed.contains(name))
                        .forEach(name -> missing.add(where + ": " + name)));
                assertThat(missing)
                        .as(
                                "series the dashboard queries that /actuator/prometheus does not expose "
                                        + "(those panels would stay empty); it exposes %s",
                                exposed)
                        .isEmpty();
            });
        }
    }

    @Test
    void everyVariableTheQueriesUseIsDefinedInTheDashboard() {
        Set<String> defined = new TreeSet<>(GRAFANA_VARIABLES);
        dashboard
                .path("templating")
                .path("list")
                .forEach(variable -> defined.add(variable.path("name").asText()));
        Map<String, String> used = new LinkedHashMap<>();
        panels().forEach(panel -> {
            String title = "panel '" + panel.path("title").asText() + "'";
            variablesIn(panel.path("datasource").path("uid").asText()).forEach(name -> used.put(name, title));
            panel.path("targets").forEach(target -> {
                variablesIn(target.path("datasource").path("uid").asText()).forEach(name -> used.put(name, title));
                variablesIn(target.path("expr").asText()).forEach(name -> used.put(name, title));
            });
        });
        dashboard
                .path("templating")
                .path("list")
                .forEach(variable -> variablesIn(query(variable))
                        .forEach(name -> used.put(
                                name, "variable '" + variable.path("name").asText() + "'")));
        List<String> undefined = used.entrySet().stream()
                .filter(use -> !defined.contains(use.getKey()))
                .map(use -> "$" + use.getKey() + " in " + use.getValue())
                .toList();
        assertThat(undefined)
                .as("variables the dashboard uses but does not define (Grafana would send them to "
                        + "Prometheus as they are, and the panel would fail)")
                .isEmpty();
    }

    @Test
    void theConfigMapGrafanasSidecarLoadsHoldsTheDashboardFile() throws IOException {
        ConfigMap map = YAML.readValue(CONFIG_MAP.toFile(), ConfigMap.class);
        assertThat(map.getKind()).isEqualTo("ConfigMap");
        assertThat(map.getMetadata().getLabels())
                .as("the label Grafana's dashboard sidecar looks for")
                .containsEntry("grafana_dashboard", "1");
        assertThat(map.getData()).as("data of %s", CONFIG_MAP.getFileName()).hasSize(1);
        Map.Entry<String, String> file = map.getData().entrySet().iterator().next();
        assertThat(file.getKey())
                .as("the sidecar writes each key as a file, which Grafana loads if it ends in .json")
                .endsWith(".json");
        assertThat(JSON.readTree(file.getValue()))
                .as(
                        "the dashboard in %s, against %s (copy the file into the ConfigMap again)",
                        CONFIG_MAP.getFileName(), DASHBOARD.getFileName())
                .isEqualTo(dashboard);
    }

    /**
     * A job watched by one stream while a row is written, a second stream refused because the pod's one
     * slot is taken, and a read of a job that does not exist: what makes the lazily registered meters
     * (Lettuce's command latencies, the HTTP server's requests) appear, as any pod in use would have them.
     */
    private static void serveTraffic(int port) {
        WorkerApiClient api = new WorkerApiClient(port);
        String token = api.add("dashboard-1");
        List<String> updates = new CopyOnWriteArrayList<>();
        Disposable watching = new SseClient(port)
                .events(api.namespace, "dashboard-1", "", null, WorkerApiClient.PRODUCER)
                .subscribe(event -> updates.add(event.data()));
        try {
            await().untilAsserted(() ->
                    assertThat(updates).as("the stream's first update").isNotEmpty());
            api.get("/api/w/" + api.namespace + "/jobs_u/getupdate_sse/dashboard-1", WorkerApiClient.PRODUCER)
                    .expectStatus()
                    .isEqualTo(503);
            api.log("dashboard-1", token, "compiling");
            await().untilAsserted(() -> assertThat(updates)
                    .as("updates the watcher got")
                    .anySatisfy(update -> assertThat(update).contains("compiling")));
            api.get(api.job("missing"), WorkerApiClient.PRODUCER).expectStatus().isNotFound();
        } finally {
            watching.dispose();
        }
    }

    /** The series names of the scrape's samples, as Prometheus stores them (with _total, _count, _sum, _max). */
    private static Set<String> exposedSeries(WorkerApiClient api) {
        String scrape = api.metrics();
        Set<String> series = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                series.add(line.split("[{ ]", 2)[0]);
            }
        }
        return series;
    }

    /** For each panel query and each variable's query, the series names it selects. */
    private static Map<String, Set<String>> seriesNamedByEachQuery() {
        Map<String, Set<String>> named = new LinkedHashMap<>();
        panels().forEach(panel -> panel.path("targets")
                .forEach(target -> named.put(
                        "panel '" + panel.path("title").asText() + "' query "
                                + target.path("refId").asText(),
                        seriesIn(target.path("expr").asText()))));
        dashboard.path("templating").path("list").forEach(variable -> {
            if (variable.path("type").asText().equals("query")) {
                Matcher labelValues = LABEL_VALUES.matcher(query(variable));
                assertThat(labelValues.matches())
                        .as(
                                "variable %s is a label_values(series, label) query",
                                variable.path("name").asText())
                        .isTrue();
                named.put("variable '" + variable.path("name").asText() + "'", seriesIn(labelValues.group(1)));
            }
        });
        return named;
    }

    /**
     * The metric names in a PromQL expression: what is left once strings, label matchers, ranges, label
     * lists and variables are taken out, less functions, aggregations (an identifier before '(') and keywords.
     */
    private static Set<String> seriesIn(String expr) {
        String bare = STRING.matcher(expr).replaceAll(" ");
        bare = LABEL_MATCHERS.matcher(bare).replaceAll(" ");
        bare = RANGE.matcher(bare).replaceAll(" ");
        bare = LABEL_LIST.matcher(bare).replaceAll(" ");
        bare = VARIABLE.matcher(bare).replaceAll(" ");
        Set<String> series = new TreeSet<>();
        Matcher identifier = IDENTIFIER.matcher(bare);
        while (identifier.find()) {
            if (identifier.group(2) == null && !KEYWORDS.contains(identifier.group(1))) {
                series.add(identifier.group(1));
            }
        }
        return series;
    }

    private static Set<String> variablesIn(String text) {
        Set<String> names = new TreeSet<>();
        Matcher variable = VARIABLE.matcher(text);
        while (variable.find()) {
            names.add(variable.group(1) != null ? variable.group(1) : variable.group(2));
        }
        return names;
    }

    /** A variable's query: a string, or an object holding it under "query" as newer Grafana saves it. */
    private static String query(JsonNode variable) {
        JsonNode query = variable.path("query");
        return query.isObject() ? query.path("query").asText() : query.asText();
    }

    /** Every panel, those inside collapsed rows included. */
    private static List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> {
            panels.add(panel);
            panel.path("panels").forEach(panels::add);
        });
        return panels;
    }
}
