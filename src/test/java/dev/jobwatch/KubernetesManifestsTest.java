package dev.jobwatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.beans.IntrospectionException;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the manifests in {@code k8s/} against what the application really exposes, as read from the
 * repository: the HTTP port and actuator settings from {@code application.properties}, the settings from
 * the configuration table in {@code docs/operations.md}. Each test names what an operator would see go wrong.
 * No cluster and no network: the manifests are parsed into fabric8's typed Kubernetes objects.
 */
class KubernetesManifestsTest {

    private static final Path REPO = Path.of("").toAbsolutePath();
    private static final Path K8S = REPO.resolve("k8s");

    /** Where every setting is documented, with its default. */
    private static final String CONFIGURATION_DOC = "docs/operations.md";

    /** The per-pod Prometheus series the HPA scales on: the Micrometer gauge jobwatch.streams.open. */
    private static final String STREAMS_OPEN_SERIES = "jobwatch_streams_open";

    /** Variables read by the JVM rather than by jobwatch, so absent from the configuration table. */
    private static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS");

    /** Settings that must come from a Secret: tokens, and the Redis URL, which holds the Redis password. */
    private static final Set<String> SECRET_SETTINGS =
            Set.of("JOBWATCH_AUTH_TOKENS", "JOBWATCH_TOKEN_SECRET", "JOBWATCH_REDIS_URL");

    private static final Map<String, Class<?>> KINDS = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "kustomize.config.k8s.io/v1beta1/Kustomization", GenericKubernetesResource.class);

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static List<Manifest> manifests;
    private static App app;

    /** One parsed document of one file under k8s/. */
    record Manifest(Path file, JsonNode tree, Object object) {
        String describe() {
            return object instanceof HasMetadata resource
                    ? resource.getKind() + " " + resource.getMetadata().getName() + " (" + file.getFileName() + ")"
                    : String.valueOf(file.getFileName());
        }
    }

    /** A row of the configuration table in docs/operations.md. */
    record Setting(String name, String defaultValue, String meaning) {}

    /** What the application exposes, as its own files say. */
    record App(Properties properties, Map<String, Setting> settings) {

        /** The HTTP port, given the environment the pod sets (SERVER_PORT, else PORT, else the default). */
        int httpPort(Map<String, String> env) {
            if (env.containsKey("SERVER_PORT")) {
                return Integer.parseInt(env.get("SERVER_PORT"));
            }
            String configured = properties.getProperty("server.port", "8080");
            Matcher placeholder = Pattern.compile("\\$\\{([^:}]+):([^}]*)}").matcher(configured);
            if (placeholder.matches()) {
                return Integer.parseInt(env.getOrDefault(placeholder.group(1), placeholder.group(2)));
            }
            return Integer.parseInt(configured);
        }

        /** Actuator answers on its own port when management.server.port is set, else on the HTTP port. */
        int actuatorPort(Map<String, String> env) {
            String management = properties.getProperty("management.server.port");
            return management == null ? httpPort(env) : Integer.parseInt(management);
        }

        String actuatorPath(String endpoint) {
            String base = properties.getProperty("spring.webflux.base-path", "")
                    + properties.getProperty("management.endpoints.web.base-path", "/actuator");
            return base.replaceAll("/+$", "") + "/" + endpoint;
        }

        boolean exposesOverWeb(String endpoint) {
            Set<String> include = list(properties.getProperty("management.endpoints.web.exposure.include", "health"));
            Set<String> exclude = list(properties.getProperty("management.endpoints.web.exposure.exclude", ""));
            return (include.contains("*") || include.contains(endpoint)) && !exclude.contains(endpoint);
        }

        /**
         * Longest the web server's graceful shutdown, which follows the drain, may take: Spring Boot's
         * per-phase timeout (30 s by default) unless server.shutdown is immediate (graceful is the default).
         */
        Duration webServerShutdown() {
            if ("immediate".equals(properties.getProperty("server.shutdown", "graceful"))) {
                return Duration.ZERO;
            }
            return duration(properties.getProperty("spring.lifecycle.timeout-per-shutdown-phase", "30s"));
        }

        /** A setting's effective value: what the pod sets, else the documented default. */
        Optional<String> value(String name, Map<String, String> env) {
            if (env.containsKey(name)) {
                return Optional.of(env.get(name));
            }
            return Optional.ofNullable(settings.get(name))
                    .map(Setting::defaultValue)
                    .filter(v -> !v.isEmpty());
        }

        private static Set<String> list(String commaSeparated) {
            return Arrays.stream(commaSeparated.split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .collect(Collectors.toSet());
        }
    }

    @BeforeAll
    static void load() throws IOException {
        assertThat(K8S).as("k8s/ next to pom.xml").isDirectory();
        List<Manifest> loaded = new ArrayList<>();
        try (Stream<Path> files = Files.walk(K8S)) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> documents =
                        YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
                    while (documents.hasNext()) {
                        JsonNode tree = documents.next();
                        if (tree != null && tree.isObject()) {
                            loaded.add(new Manifest(file, tree, typed(file, tree)));
                        }
                    }
                }
            }
        }
        manifests = List.copyOf(loaded);

        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(REPO.resolve("src/main/resources/application.properties"))) {
            properties.load(reader);
        }
        app = new App(properties, documentedSettings());
    }

    private static Object typed(Path file, JsonNode tree) throws IOException {
        String key = tree.path("apiVersion").asText() + "/" + tree.path("kind").asText();
        Class<?> type = KINDS.get(key);
        if (type == null) {
            fail(
                    "%s holds a %s, which this test does not know: add its fabric8 class to KINDS (or fix an "
                            + "apiVersion the cluster no longer serves)",
                    file.getFileName(), key);
        }
        return YAML.treeToValue(tree, type);
    }

    /**
     * The configuration table in docs/operations.md, one table per group of settings under its
     * '## Configuration' section: `NAME` (or `ALIAS`) | `default` | meaning.
     */
    private static Map<String, Setting> documentedSettings() throws IOException {
        List<String> lines = Files.readAllLines(REPO.resolve(CONFIGURATION_DOC));
        int start = lines.indexOf("## Configuration");
        assertThat(start)
                .as("%s has a '## Configuration' section", CONFIGURATION_DOC)
                .isNotNegative();
        Map<String, Setting> settings = new LinkedHashMap<>();
        Pattern code = Pattern.compile("`([^`]*)`");
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            String[] cells = line.split("\\|");
            if (!line.startsWith("| `") || cells.length < 4) {
                continue;
            }
            Matcher defaultValue = code.matcher(cells[2]);
            String value = defaultValue.find() ? defaultValue.group(1) : "";
            Matcher names = code.matcher(cells[1]);
            while (names.find()) {
                settings.put(names.group(1), new Setting(names.group(1), value, cells[3].trim()));
            }
        }
        // From the first group to the last, so that a heading that cut the section short shows here.
        assertThat(settings)
                .as("settings in %s's configuration table", CONFIGURATION_DOC)
                .containsKeys("JOBWATCH_REDIS_URL", "JOBWATCH_WATCH_AUTH", "JOBWATCH_DRAIN_TIMEOUT", "JOBWATCH_DEMO");
        return settings;
    }

    // ---- what the manifests say --------------------------------------------------------------------

    private static <T> List<T> all(Class<T> type) {
        return manifests.stream()
                .map(Manifest::object)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }

    private static <T> T only(Class<T> type) {
        List<T> found = all(type);
        assertThat(found).as("%s objects in k8s/", type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    private static Deployment deployment() {
        return only(Deployment.class);
    }

    private static PodSpec pod() {
        return deployment().getSpec().getTemplate().getSpec();
    }

    private static Container container() {
        List<Container> containers = pod().getContainers();
        assertThat(containers).as("containers of the jobwatch pod").hasSize(1);
        return containers.get(0);
    }

    private static Map<String, String> podLabels() {
        return deployment().getSpec().getTemplate().getMetadata().getLabels();
    }

    private static ConfigMap configMap(String name) {
        return all(ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() ->
                        new AssertionError("the pod reads ConfigMap " + name + ", which no file in k8s/ defines"));
    }

    private static Secret secret(String name) {
        return all(Secret.class).stream()
                .filter(s -> s.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("the pod reads Secret " + name + ", which no file in k8s/ defines"));
    }

    private static Set<String> secretKeys(Secret secret) {
        Set<String> keys = new LinkedHashSet<>();
        if (secret.getStringData() != null) {
            keys.addAll(secret.getStringData().keySet());
        }
        if (secret.getData() != null) {
            keys.addAll(secret.getData().keySet());
        }
        return keys;
    }

    /** Where each environment variable of the container comes from. */
    record EnvSource(String name, String value, String from, boolean secret) {}

    private static List<EnvSource> environment() {
        List<EnvSource> sources = new ArrayList<>();
        Container container = container();
        for (EnvFromSource envFrom : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
            String prefix = Objects.requireNonNullElse(envFrom.getPrefix(), "");
            if (envFrom.getConfigMapRef() != null) {
                ConfigMap map = configMap(envFrom.getConfigMapRef().getName());
                Optional.ofNullable(map.getData())
                        .orElse(Map.of())
                        .forEach((key, value) -> sources.add(new EnvSource(
                                prefix + key,
                                value,
                                "ConfigMap " + map.getMetadata().getName(),
                                false)));
            }
            if (envFrom.getSecretRef() != null) {
                Secret secret = secret(envFrom.getSecretRef().getName());
                Map<String, String> stringData =
                        Optional.ofNullable(secret.getStringData()).orElse(Map.of());
                Map<String, String> data = Optional.ofNullable(secret.getData()).orElse(Map.of());
                for (String key : secretKeys(secret)) {
                    String value = stringData.containsKey(key)
                            ? stringData.get(key)
                            : new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8);
                    sources.add(new EnvSource(
                            prefix + key,
                            value,
                            "Secret " + secret.getMetadata().getName(),
                            true));
                }
            }
        }
        for (EnvVar env : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
            boolean fromSecret =
                    env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null;
            sources.add(new EnvSource(env.getName(), env.getValue(), "env of the container", fromSecret));
        }
        return sources;
    }

    /** The environment the app sees: env entries override envFrom, as in Kubernetes. */
    private static Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvSource source : environment()) {
            if (source.value() != null) {
                env.put(source.name(), source.value());
            }
        }
        return env;
    }

    private static int resolvePort(IntOrString port, Container container, String what) {
        assertThat(port).as("%s names a port", what).isNotNull();
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream()
                .filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst()
                .orElseThrow(() -> new AssertionError(
                        what + " names port '" + port.getStrVal() + "', which the container does not declare"));
    }

    private static Duration duration(String text) {
        Matcher simple = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?").matcher(text.trim());
        if (!simple.matches()) {
            return Duration.parse(text.trim());
        }
        long amount = Long.parseLong(simple.group(1));
        return switch (Objects.requireNonNullElse(simple.group(2), "ms")) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> Duration.ofMillis(amount);
        };
    }

    private static int preStopSleepSeconds(LifecycleHandler preStop) {
        if (preStop.getSleep() != null) {
            return preStop.getSleep().getSeconds().intValue();
        }
        assertThat(preStop.getExec())
                .as("preStop is a sleep (sleep action or exec of sleep)")
                .isNotNull();
        Matcher sleep = Pattern.compile("\\bsleep\\s+(\\d+)\\b")
                .matcher(String.join(" ", preStop.getExec().getCommand()));
        assertThat(sleep.find())
                .as(
                        "preStop exec %s sleeps a whole number of seconds",
                        preStop.getExec().getCommand())
                .isTrue();
        return Integer.parseInt(sleep.group(1));
    }

    /** The adapter's rules: the nested config.yaml of the ConfigMap that holds them. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> adapterRules() throws IOException {
        List<Map<String, Object>> rules = new ArrayList<>();
        for (ConfigMap map : all(ConfigMap.class)) {
            String config = Optional.ofNullable(map.getData()).orElse(Map.of()).get("config.yaml");
            if (config != null) {
                Map<String, Object> parsed = YAML.readValue(config, Map.class);
                rules.addAll((List<Map<String, Object>>) parsed.getOrDefault("rules", List.of()));
            }
        }
        return rules;
    }

    /**
     * The name the adapter serves a rule's series under, as the adapter computes it: name.matches (default
     * {@code .*}) must match the series name, and name.as (default {@code $1} if the pattern has a group,
     * else {@code $0}) is expanded with the groups.
     */
    private static String adapterMetricName(Map<String, Object> rule) {
        Map<?, ?> name = (Map<?, ?>) rule.getOrDefault("name", Map.of());
        String matches = name.get("matches") == null
                        || String.valueOf(name.get("matches")).isEmpty()
                ? ".*"
                : String.valueOf(name.get("matches"));
        Matcher series = Pattern.compile(matches).matcher(STREAMS_OPEN_SERIES);
        assertThat(series.find())
                .as("adapter rule name.matches %s matches %s", matches, STREAMS_OPEN_SERIES)
                .isTrue();
        String as = name.get("as") == null || String.valueOf(name.get("as")).isEmpty()
                ? (series.groupCount() > 0 ? "$1" : "$0")
                : String.valueOf(name.get("as"));
        return Pattern.compile("\\$\\{?(\\d+)}?")
                .matcher(as)
                .replaceAll(group -> Matcher.quoteReplacement(
                        Objects.requireNonNullElse(series.group(Integer.parseInt(group.group(1))), "")));
    }

    private static Optional<Manifest> adapterRulesManifest() {
        return manifests.stream()
                .filter(m -> m.object() instanceof ConfigMap map
                        && map.getData() != null
                        && map.getData().containsKey("config.yaml"))
                .findFirst();
    }

    // ---- tests -------------------------------------------------------------------------------------

    @Test
    void everyManifestIsAKubernetesObjectWithNoMisspelledField() {
        assertThat(manifests).as("documents in k8s/**/*.yaml").isNotEmpty();
        List<String> unknown = new ArrayList<>();
        for (Manifest manifest : manifests) {
            if (!(manifest.object() instanceof GenericKubernetesResource)) {
                collectUnknownFields(manifest.object(), "", manifest.describe(), unknown);
            }
        }
        assertThat(unknown)
                .as("fields the Kubernetes API does not know: kubectl would reject them, or a typo "
                        + "would silently leave a setting at its default")
                .isEmpty();
    }

    @Test
    void containerListensOnThePortTheAppServesOn() {
        int appPort = app.httpPort(env());
        assertThat(container().getPorts()).as("container ports").anySatisfy(port -> {
            assertThat(port.getName()).isEqualTo("http");
            assertThat(port.getContainerPort())
                    .as("the app's HTTP port (application.properties server.port)")
                    .isEqualTo(appPort);
        });
    }

    @Test
    void probesAskTheActuatorHealthGroupsOnTheAppPort() {
        assertThat(app.properties().getProperty("management.endpoint.health.probes.enabled"))
                .as("application.properties enables the liveness and readiness health groups")
                .isEqualTo("true");
        assertThat(app.exposesOverWeb("health"))
                .as("actuator's health endpoint is exposed over HTTP")
                .isTrue();
        Container container = container();
        int actuatorPort = app.actuatorPort(env());
        Map<String, Probe> probes = new LinkedHashMap<>();
        probes.put("startupProbe", container.getStartupProbe());
        probes.put("livenessProbe", container.getLivenessProbe());
        probes.put("readinessProbe", container.getReadinessProbe());
        Map<String, String> expected = Map.of(
                "startupProbe", app.actuatorPath("health/liveness"),
                "livenessProbe", app.actuatorPath("health/liveness"),
                "readinessProbe", app.actuatorPath("health/readiness"));
        probes.forEach((name, probe) -> {
            assertThat(probe).as(name).isNotNull();
            assertThat(probe.getHttpGet()).as("%s is an HTTP GET", name).isNotNull();
            assertThat(probe.getHttpGet().getPath())
                    .as(
                            "%s path (a wrong path is a 404: the pod never gets ready, " + "or is restarted in a loop)",
                            name)
                    .isEqualTo(expected.get(name));
            assertThat(resolvePort(probe.getHttpGet().getPort(), container, name))
                    .as("%s port", name)
                    .isEqualTo(actuatorPort);
        });
    }

    @Test
    void everyEnvironmentVariableIsOneTheAppDocuments() {
        List<String> undocumented = environment().stream()
                .filter(source -> !app.settings().containsKey(source.name()) && !JVM_VARIABLES.contains(source.name()))
                .map(source -> source.name() + " (from " + source.from() + ")")
                .toList();
        assertThat(undocumented)
                .as(
                        "variables the configuration table in %s does not list: the app ignores "
                                + "them (a typo, or a setting renamed in the app)",
                        CONFIGURATION_DOC)
                .isEmpty();
    }

    @Test
    void settingsTheAppRequiresWithAnExternalRedisAreSet() {
        Set<String> set = environment().stream().map(EnvSource::name).collect(Collectors.toSet());
        Set<String> required = app.settings().values().stream()
                .filter(setting -> setting.meaning().toLowerCase().contains("required with an external redis"))
                .map(Setting::name)
                .collect(Collectors.toCollection(TreeSet::new));
        required.add("JOBWATCH_REDIS_URL"); // without it the pod would run an embedded, per-pod Redis
        assertThat(set)
                .as("settings without which the pod stops at start or runs in local mode")
                .containsAll(required);
        String redisUrl = env().get("JOBWATCH_REDIS_URL");
        assertThat(redisUrl.split(","))
                .as("JOBWATCH_REDIS_URL seed list")
                .allSatisfy(seed -> assertThat(seed.trim()).matches("rediss?://.+"));
    }

    @Test
    void tokensAndTheRedisPasswordComeFromTheSecretNotTheConfigMap() {
        List<String> exposed = environment().stream()
                .filter(source -> SECRET_SETTINGS.contains(source.name()) && !source.secret())
                .map(source -> source.name() + " (from " + source.from() + ")")
                .toList();
        assertThat(exposed)
                .as("secret settings readable by anyone who can read ConfigMaps or the Deployment")
                .isEmpty();
    }

    @Test
    void watchersNeedATokenAsShipped() {
        String auth = app.value("JOBWATCH_WATCH_AUTH", env()).orElse("token");
        assertThat(auth)
                .as("JOBWATCH_WATCH_AUTH: open watchers let anyone who reaches the Service read every job's "
                        + "args, logs and result by its id, and job ids are counters or chosen by producers")
                .isEqualToIgnoringCase("token");
    }

    @Test
    void kubernetesInjectsNoServiceVariablesIntoTheAppsNamespace() {
        assertThat(pod().getEnableServiceLinks())
                .as("enableServiceLinks: for the Service named jobwatch, "
                        + "Kubernetes would set JOBWATCH_PORT, JOBWATCH_SERVICE_HOST, ... in every pod")
                .isFalse();
    }

    @Test
    void serviceSendsPort80ToTheContainersHttpPort() {
        Service service = only(Service.class);
        assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(service.getSpec().getPorts()).as("Service ports").hasSize(1);
        ServicePort port = service.getSpec().getPorts().get(0);
        assertThat(port.getName()).isEqualTo("http");
        assertThat(port.getPort()).isEqualTo(80);
        assertThat(resolvePort(port.getTargetPort(), container(), "Service targetPort"))
                .as("the port the app serves on")
                .isEqualTo(app.httpPort(env()));
    }

    @Test
    void serviceBudgetAndAntiAffinityAllSelectTheDeploymentsPods() {
        Map<String, String> labels = podLabels();
        assertThat(labels)
                .as("pod template labels")
                .containsAllEntriesOf(deployment().getSpec().getSelector().getMatchLabels());
        assertThat(labels)
                .as("labels the Service selects (else it has no endpoints)")
                .containsAllEntriesOf(only(Service.class).getSpec().getSelector());
        PodDisruptionBudget budget = only(PodDisruptionBudget.class);
        assertThat(budget.getSpec().getSelector().getMatchExpressions())
                .as("PDB match expressions")
                .isNullOrEmpty();
        assertThat(labels)
                .as("labels the PodDisruptionBudget selects (else it protects nothing)")
                .containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
        var antiAffinity =
                pod().getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
        assertThat(antiAffinity)
                .as("preferred pod anti-affinity")
                .singleElement()
                .satisfies(term -> {
                    assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
                    assertThat(labels)
                            .as("labels the anti-affinity spreads (else pods pile onto one node)")
                            .containsAllEntriesOf(
                                    term.getPodAffinityTerm().getLabelSelector().getMatchLabels());
                });
    }

    @Test
    void podsAreGivenLongerToStopThanPreStopPlusTheDrainPlusTheWebServersShutdown() {
        Map<String, String> env = env();
        Duration drain = app.value("JOBWATCH_DRAIN_TIMEOUT", env)
                .map(KubernetesManifestsTest::duration)
                .orElseThrow(() -> new AssertionError("JOBWATCH_DRAIN_TIMEOUT is neither set in k8s/ nor given a "
                        + "default in " + CONFIGURATION_DOC + "'s configuration table"));
        Duration webServer = app.webServerShutdown();
        LifecycleHandler preStop = container().getLifecycle().getPreStop();
        assertThat(preStop)
                .as("preStop, so the pod leaves the endpoints before it drains")
                .isNotNull();
        int sleep = preStopSleepSeconds(preStop);
        assertThat(sleep).as("preStop sleep seconds").isPositive();
        assertThat(pod().getTerminationGracePeriodSeconds())
                .as(
                        "terminationGracePeriodSeconds (else Kubernetes SIGKILLs a pod mid-drain, cutting writes in "
                                + "flight): preStop %ds + drain %ds + web server graceful shutdown %ds",
                        sleep, drain.toSeconds(), webServer.toSeconds())
                .isGreaterThan(sleep + drain.toSeconds() + webServer.toSeconds());
    }

    @Test
    void rollingUpdateNeverStopsAPodBeforeItsReplacementIsReady() {
        var strategy = deployment().getSpec().getStrategy();
        assertThat(strategy.getType()).isEqualTo("RollingUpdate");
        assertThat(strategy.getRollingUpdate().getMaxUnavailable())
                .as("maxUnavailable")
                .isEqualTo(new IntOrString(0));
        assertThat(strategy.getRollingUpdate().getMaxSurge()).as("maxSurge").isNotEqualTo(new IntOrString(0));
    }

    @Test
    void prometheusScrapesTheActuatorEndpointTheAppExposes() {
        Map<String, String> annotations =
                deployment().getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations)
                .containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/path", app.actuatorPath("prometheus"))
                .containsEntry("prometheus.io/port", String.valueOf(app.actuatorPort(env())));
        assertThat(app.exposesOverWeb("prometheus"))
                .as("application.properties exposes actuator's prometheus endpoint over HTTP "
                        + "(management.endpoints.web.exposure.include); else every scrape is a 404 and the HPA "
                        + "has no metric")
                .isTrue();
    }

    @Test
    void appExportsTheSeriesTheAutoscalerScalesOn() throws IOException {
        String meter = "\"" + STREAMS_OPEN_SERIES.replace('_', '.') + "\"";
        String series = "\"" + STREAMS_OPEN_SERIES + "\"";
        List<Path> defining;
        try (Stream<Path> sources = Files.walk(REPO.resolve("src/main/java"))) {
            defining = sources.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> {
                        try {
                            String text = Files.readString(f);
                            return text.contains(meter) || text.contains(series);
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .toList();
        }
        assertThat(defining)
                .as(
                        "source under src/main/java registering the meter %s (Prometheus: %s), which the "
                                + "HPA scales on",
                        meter, STREAMS_OPEN_SERIES)
                .isNotEmpty();
    }

    @Test
    void autoscalerScalesTheDeploymentOnOpenStreamsPerPodThenCpu() {
        HorizontalPodAutoscaler hpa = only(HorizontalPodAutoscaler.class);
        var target = hpa.getSpec().getScaleTargetRef();
        assertThat(target.getKind()).isEqualTo("Deployment");
        assertThat(target.getName()).isEqualTo(deployment().getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).as("minReplicas").isGreaterThanOrEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas())
                .as("maxReplicas")
                .isGreaterThan(hpa.getSpec().getMinReplicas());

        List<MetricSpec> metrics = hpa.getSpec().getMetrics();
        assertThat(metrics).as("HPA metrics").hasSize(2);
        MetricSpec streams = metrics.get(0);
        assertThat(streams.getType()).isEqualTo("Pods");
        assertThat(streams.getPods().getMetric().getName()).as("pods metric").isEqualTo(STREAMS_OPEN_SERIES);
        assertThat(streams.getPods().getTarget().getType()).isEqualTo("AverageValue");
        assertThat(Quantity.getAmountInBytes(streams.getPods().getTarget().getAverageValue()))
                .as("open streams per pod to aim at")
                .isPositive();

        MetricSpec cpu = metrics.get(1);
        assertThat(cpu.getType()).isEqualTo("Resource");
        assertThat(cpu.getResource().getName()).isEqualTo("cpu");
        assertThat(cpu.getResource().getTarget().getType()).isEqualTo("Utilization");
        assertThat(cpu.getResource().getTarget().getAverageUtilization()).isBetween(1, 100);
        assertThat(container().getResources().getRequests())
                .as("a CPU request, without which the HPA cannot compute CPU utilization")
                .containsKey("cpu");
    }

    @Test
    void autoscalerWaitsLongerThanAStreamsLifetimeBeforeScalingDown() {
        Map<String, String> env = env();
        Duration lifetime = app.value("JOBWATCH_WATCH_LIFETIME", env)
                .map(KubernetesManifestsTest::duration)
                .orElseThrow()
                .plus(app.value("JOBWATCH_WATCH_SPREAD", env)
                        .map(KubernetesManifestsTest::duration)
                        .orElse(Duration.ZERO));
        var scaleDown =
                only(HorizontalPodAutoscaler.class).getSpec().getBehavior().getScaleDown();
        assertThat(scaleDown.getStabilizationWindowSeconds())
                .as(
                        "scale-down stabilization, at least four stream lifetimes (%ds each): every stream reconnects "
                                + "once a lifetime, and a shorter window chases that churn, draining pods needlessly",
                        lifetime.toSeconds())
                .isGreaterThanOrEqualTo((int) lifetime.toSeconds() * 4);
    }

    @Test
    void deploymentLeavesTheReplicaCountToTheAutoscaler() {
        assertThat(deployment().getSpec().getReplicas())
                .as("spec.replicas: each `kubectl apply` would reset the autoscaled count, draining the pods above it")
                .isNull();
    }

    @Test
    void disruptionBudgetStillLetsANodeDrainAtTheAutoscalersMinimum() {
        IntOrString minAvailable = only(PodDisruptionBudget.class).getSpec().getMinAvailable();
        assertThat(minAvailable).as("PDB minAvailable").isNotNull();
        assertThat(minAvailable.getIntVal())
                .as("PDB minAvailable as a number of pods")
                .isNotNull()
                .isPositive()
                .as("PDB minAvailable below the HPA's minReplicas, else no pod can ever be evicted")
                .isLessThan(only(HorizontalPodAutoscaler.class).getSpec().getMinReplicas());
    }

    @Test
    void adapterRuleServesTheAutoscalersMetricFromTheAppsSeries() throws IOException {
        String wanted = only(HorizontalPodAutoscaler.class).getSpec().getMetrics().stream()
                .filter(m -> "Pods".equals(m.getType()))
                .findFirst()
                .orElseThrow()
                .getPods()
                .getMetric()
                .getName();
        List<String> served = new ArrayList<>();
        for (Map<String, Object> rule : adapterRules()) {
            String seriesQuery = String.valueOf(rule.get("seriesQuery")).trim();
            Matcher metric = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)").matcher(seriesQuery);
            if (!metric.find() || !metric.group(1).equals(STREAMS_OPEN_SERIES)) {
                continue;
            }
            served.add(adapterMetricName(rule));

            Map<?, ?> resources = (Map<?, ?>) rule.get("resources");
            Map<?, ?> overrides = (Map<?, ?>) resources.get("overrides");
            assertThat(overrides.values())
                    .as("adapter rule ties the series to pods (else no pods metric)")
                    .anySatisfy(resource ->
                            assertThat(((Map<?, ?>) resource).get("resource")).isIn("pod", "pods"));
            assertThat(String.valueOf(rule.get("metricsQuery"))).contains("<<.Series>>", "<<.LabelMatchers>>");
        }
        assertThat(served)
                .as(
                        "custom metrics the Prometheus Adapter serves from %s (the HPA asks for %s)",
                        STREAMS_OPEN_SERIES, wanted)
                .contains(wanted);
    }

    @Test
    void kustomizationAppliesEveryAppManifestButThePlaceholderSecretAndTheAdapterRules() {
        Manifest kustomization = manifests.stream()
                .filter(m -> m.object() instanceof GenericKubernetesResource)
                .findFirst()
                .orElseThrow(() -> new AssertionError("k8s/kustomization.yaml"));
        Set<String> listed = new TreeSet<>();
        kustomization.tree().path("resources").forEach(node -> listed.add(node.asText()));
        Path adapter = adapterRulesManifest().map(Manifest::file).orElse(null);
        // Manifests in subfolders go to other components' namespaces (grafana/: Grafana's) and are applied on their
        // own.
        Set<String> expected = manifests.stream()
                .filter(m -> m.file().getParent().equals(K8S))
                .filter(m -> m != kustomization
                        && !(m.object() instanceof Secret)
                        && !m.file().equals(adapter))
                .map(m -> m.file().getFileName().toString())
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(listed)
                .as("resources in kustomization.yaml (`kubectl apply -k k8s/`)")
                .isEqualTo(expected);
        assertThat(kustomization.tree().path("namespace").asText())
                .as("kustomization namespace")
                .isNotBlank();
    }

    @Test
    void podRunsAsNonRootOnAReadOnlyRootWithAWritableTmp() {
        assertThat(pod().getSecurityContext().getRunAsNonRoot())
                .as("runAsNonRoot")
                .isTrue();
        var security = container().getSecurityContext();
        assertThat(security.getReadOnlyRootFilesystem())
                .as("readOnlyRootFilesystem")
                .isTrue();
        assertThat(security.getAllowPrivilegeEscalation())
                .as("allowPrivilegeEscalation")
                .isFalse();
        VolumeMount tmp = container().getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals("/tmp"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("a writable /tmp for the JVM"));
        Volume volume = pod().getVolumes().stream()
                .filter(v -> v.getName().equals(tmp.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("volume " + tmp.getName()));
        assertThat(volume.getEmptyDir()).as("/tmp is an emptyDir").isNotNull();
    }

    @Test
    void jvmHeapIsSizedFromTheContainersMemoryLimit() {
        Quantity limit = container().getResources().getLimits().get("memory");
        assertThat(limit)
                .as("memory limit: without it MaxRAMPercentage sizes the heap from the node's memory")
                .isNotNull();
        assertThat(Quantity.getAmountInBytes(limit))
                .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(
                        container().getResources().getRequests().get("memory")));
        String options = env().getOrDefault("JAVA_TOOL_OPTIONS", "");
        Matcher percentage =
                Pattern.compile("-XX:MaxRAMPercentage=(\\d+(?:\\.\\d+)?)").matcher(options);
        assertThat(percentage.find())
                .as("JAVA_TOOL_OPTIONS sets -XX:MaxRAMPercentage")
                .isTrue();
        assertThat(Double.parseDouble(percentage.group(1)))
                .as("heap share of the limit, leaving room for Netty's direct buffers and metaspace")
                .isBetween(50.0, 75.0);
        assertThat(options).contains("-XX:+ExitOnOutOfMemoryError");
    }

    @Test
    void imageTrainsItsAotCacheWithTheFlagsThePodsRunWith() throws IOException {
        String options = env().getOrDefault("JAVA_TOOL_OPTIONS", "");
        Matcher trained = Pattern.compile("(?m)^readonly PRODUCTION_JAVA_TOOL_OPTIONS=\"([^\"]*)\"$")
                .matcher(Files.readString(K8S.resolve("aot-train.sh")));
        assertThat(trained.find())
                .as("k8s/aot-train.sh's PRODUCTION_JAVA_TOOL_OPTIONS")
                .isTrue();
        assertThat(trained.group(1))
                .as("the training's JVM flags: a cache trained with other flags is ignored by the pods")
                .isEqualTo(options);
        String dockerfile = Files.readString(K8S.resolve("Dockerfile"));
        Matcher check = Pattern.compile("(?m)^RUN java (.*) -XX:AOTMode=on ").matcher(dockerfile);
        assertThat(check.find())
                .as("the Dockerfile checks the cache it ships with -XX:AOTMode=on")
                .isTrue();
        assertThat(Arrays.asList(options.split(" ")))
                .as("the flags the Dockerfile checks the cache with are the pods' own")
                .containsAll(Arrays.asList(check.group(1).split(" ")));
        assertThat(dockerfile)
                .as("the image starts from the extracted layout with the cache")
                .contains("ENTRYPOINT [\"java\", \"-XX:AOTCache=/app/app.aot\", \"-jar\", \"/app/app.jar\"]");
    }

    // ---- unknown fields ----------------------------------------------------------------------------

    /** fabric8 keeps fields it does not know in additionalProperties; any found there is a typo. */
    private static void collectUnknownFields(Object value, String path, String owner, List<String> out) {
        if (value == null
                || value instanceof String
                || value instanceof Number
                || value instanceof Boolean
                || value instanceof Quantity
                || value instanceof IntOrString) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                collectUnknownFields(item, path + "[" + i++ + "]", owner, out);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> collectUnknownFields(item, path + "." + key, owner, out));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        try {
            for (PropertyDescriptor property :
                    Introspector.getBeanInfo(value.getClass(), Object.class).getPropertyDescriptors()) {
                if (property.getReadMethod() == null) {
                    continue;
                }
                Object child = property.getReadMethod().invoke(value);
                if (property.getName().equals("additionalProperties")) {
                    for (Object key : ((Map<?, ?>) child).keySet()) {
                        out.add(owner + ": " + (path.isEmpty() ? "" : path.substring(1) + ".") + key);
                    }
                } else {
                    collectUnknownFields(child, path + "." + property.getName(), owner, out);
                }
            }
        } catch (IntrospectionException | IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("reading " + owner + " at " + path, e);
        }
    }
}
