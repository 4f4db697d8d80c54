package dev.kvgate.gateway.admin;

import dev.kvgate.gateway.pipeline.ListenerStats;
import dev.kvgate.gateway.pipeline.TlsStats;
import dev.kvgate.gateway.proxy.LoopCounters;
import dev.kvgate.gateway.proxy.ShardRing;
import dev.kvgate.mcbp.Opcode;
import io.netty.channel.Channel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * GET /: one self-contained HTML page (inline style and script, no external asset) with what an
 * operator looks at first: readiness, listeners and their connections, shards with health and
 * latency, certificates and their expiry, TLS handshakes, version and uptime. The inline script only
 * turns expiry times into "in N days" in the reader's clock and marks those close to expiry.
 */
final class StatusPage {
    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:1.5rem;color:#1d2329;\
            background:#f7f8fa}h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.05rem;margin:1.4rem 0 .4rem}\
            table{border-collapse:collapse;background:#fff;min-width:40rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}\
            th,td{padding:.3rem .7rem;border-bottom:1px solid #e3e6ea;text-align:left;font-size:.9rem}\
            th{background:#eef1f4;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}\
            .badge{display:inline-block;padding:.15rem .6rem;border-radius:.8rem;font-weight:600;font-size:.85rem}\
            .ok{background:#d5f5dd;color:#0b6b2b}.bad{background:#fde0e0;color:#9b1c1c}.warn{background:#fff1c2;color:#7a5300}\
            .meta{color:#5b6570;font-size:.9rem}code{font-size:.85rem}
            """;
    private static final String SCRIPT = """
            document.querySelectorAll('[data-not-after]').forEach(function (el) {
              var left = Number(el.dataset.notAfter) - Date.now();
              var days = Math.floor(left / 86400000);
              el.textContent = left <= 0 ? 'EXPIRED' : (days >= 1 ? 'in ' + days + ' days' : 'in ' + Math.ceil(left / 3600000) + ' hours');
              el.classList.add(left <= 0 ? 'bad' : (left < Number(el.dataset.warnMs) ? 'warn' : 'ok'));
            });
            """;

    private StatusPage() {
    }

    static String render(AdminSources s, Readiness.Verdict ready, Clock clock) {
        StringBuilder h = new StringBuilder(8192);
        long uptime = (clock.millis() - s.startMillis()) / 1000;
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
                .append("<title>kvgate status</title><style>").append(STYLE).append("</style></head><body>");
        h.append("<h1>kvgate</h1><p class=\"meta\"><span id=\"version\">").append(esc(s.version()))
                .append("</span> &middot; up <span id=\"uptime\">").append(duration(uptime)).append("</span> &middot; ")
                .append(s.embeddedShards() ? "embedded shards" : "remote shards").append("</p>");
        h.append("<p id=\"readiness\" class=\"badge ").append(ready.ready() ? "ok" : "bad").append("\">")
                .append(esc(ready.ready() ? "ready" : "not ready: " + ready.reason())).append("</p>");

        h.append("<h2>Listeners</h2><table id=\"listeners\"><thead><tr><th>listener</th><th>address</th><th>TLS</th>")
                .append("<th>open</th><th>accepted</th><th>bytes in</th><th>bytes out</th></tr></thead><tbody>");
        for (ListenerStats l : s.listenerStats()) {
            Channel ch = s.listeners().get(l.listener());
            boolean tls = s.settings().listeners().stream().anyMatch(x -> x.name().equals(l.listener()) && x.tls());
            h.append("<tr><td>").append(esc(l.listener())).append("</td><td><code>")
                    .append(esc(ch != null ? String.valueOf(ch.localAddress()) : "-")).append("</code></td><td>")
                    .append(tls ? "yes" : "no").append("</td>").append(num(l.open())).append(num(l.opened()))
                    .append(num(l.bytesIn())).append(num(l.bytesOut())).append("</tr>");
        }
        h.append("</tbody></table>");

        ShardRing ring = s.ring();
        h.append("<h2>Shards</h2><table id=\"shards\"><thead><tr><th>shard</th><th>state</th><th>answers</th>")
                .append("<th>mean latency</th><th>p99 below</th><th>errors</th><th>timeouts</th><th>reconnects</th>")
                .append("</tr></thead><tbody>");
        for (int i = 0; i < ring.size(); i++) {
            long[] buckets = new long[LoopCounters.LATENCY_BUCKETS];
            long sumNanos = 0;
            long timeouts = 0;
            for (LoopCounters c : ring.loopCounters()) {
                for (int b = 0; b < buckets.length; b++) {
                    buckets[b] += c.latencyBucket(i, b);
                }
                sumNanos += c.latencySumNanos(i);
                timeouts += c.timeouts(i);
            }
            long count = 0;
            for (long b : buckets) {
                count += b;
            }
            String state = ring.isEjected(i) ? "ejected" : ring.reachable(i) ? "up" : "down";
            h.append("<tr><td><code>").append(esc(ring.name(i))).append("</code></td><td><span class=\"badge ")
                    .append(state.equals("up") ? "ok" : "bad").append("\">").append(state).append("</span></td>")
                    .append(num(count)).append("<td class=\"n\">")
                    .append(count == 0 ? "-" : millis(sumNanos / (double) count / 1e6)).append("</td><td class=\"n\">")
                    .append(count == 0 ? "-" : p99(buckets, count)).append("</td>").append(num(ring.failures(i)))
                    .append(num(timeouts)).append(num(ring.reconnects(i))).append("</tr>");
        }
        h.append("</tbody></table>");

        h.append("<h2>Certificates</h2><table id=\"certificates\"><thead><tr><th>role</th><th>subject</th>")
                .append("<th>serial</th><th>not after</th><th>expires</th><th>source</th></tr></thead><tbody>");
        long warnMs = s.settings().tls().expiryWarning().toMillis();
        for (Certificates.Entry e : Certificates.of(s)) {
            h.append("<tr><td>").append(esc(e.role())).append("</td><td><code>").append(esc(e.subject()))
                    .append("</code></td><td><code>").append(esc(e.serial())).append("</code></td><td>")
                    .append(e.notAfter()).append("</td><td><span class=\"expires badge\" data-not-after=\"")
                    .append(e.notAfter().toEpochMilli()).append("\" data-warn-ms=\"").append(warnMs).append("\">")
                    .append(e.notAfter()).append("</span></td><td><code>").append(esc(e.source()))
                    .append("</code></td></tr>");
        }
        h.append("</tbody></table>");

        TlsStats tls = s.tlsStats();
        h.append("<h2>TLS handshakes</h2><table id=\"handshakes\"><thead><tr><th>protocol</th><th>cipher</th>")
                .append("<th>completed</th></tr></thead><tbody>");
        tls.handshakesBySuite().forEach((suite, n) -> h.append("<tr><td>").append(esc(suite.protocol()))
                .append("</td><td><code>").append(esc(suite.cipher())).append("</code></td>").append(num(n.sum()))
                .append("</tr>"));
        for (Map.Entry<String, java.util.concurrent.atomic.LongAdder> f : tls.failuresByReason().entrySet()) {
            h.append("<tr><td colspan=\"2\">failed: ").append(esc(f.getKey())).append("</td>")
                    .append(num(f.getValue().sum())).append("</tr>");
        }
        h.append("</tbody></table>");

        h.append("<h2>Requests</h2><table id=\"requests\"><thead><tr><th>opcode</th><th>status</th>")
                .append("<th>answered</th></tr></thead><tbody>");
        for (int op = 0; op < 256; op++) {
            for (int st = 0; st < LoopCounters.STATUS_SLOTS; st++) {
                long n = 0;
                for (LoopCounters c : ring.loopCounters()) {
                    n += c.answers(op, st);
                }
                if (n > 0) {
                    Opcode opcode = Opcode.of((byte) op);
                    var status = LoopCounters.status(st);
                    h.append("<tr><td>").append(opcode != null ? opcode.name() : String.format("0x%02x", op))
                            .append("</td><td>").append(status != null ? status.name().toLowerCase(Locale.ROOT)
                                    : "other").append("</td>").append(num(n)).append("</tr>");
                }
            }
        }
        h.append("</tbody></table>");
        h.append("<p class=\"meta\">Machine-readable: <a href=\"/metrics\">/metrics</a> &middot; ")
                .append("<a href=\"/readyz\">/readyz</a> &middot; <a href=\"/healthz\">/healthz</a> &middot; ")
                .append("generated ").append(Instant.ofEpochMilli(clock.millis())).append("</p>");
        h.append("<script>").append(SCRIPT).append("</script></body></html>\n");
        return h.toString();
    }

    /** The upper bound of the bucket where 99% of the answers were reached. */
    private static String p99(long[] buckets, long count) {
        long target = (long) Math.ceil(count * 0.99);
        long seen = 0;
        for (int b = 0; b < buckets.length; b++) {
            seen += buckets[b];
            if (seen >= target) {
                return b < LoopCounters.LATENCY_BOUNDS_SECONDS.length
                        ? millis(LoopCounters.LATENCY_BOUNDS_SECONDS[b] * 1000) : "&gt; "
                        + millis(LoopCounters.LATENCY_BOUNDS_SECONDS[b - 1] * 1000);
            }
        }
        return "-";
    }

    private static String millis(double ms) {
        return ms < 1 ? String.format(Locale.ROOT, "%.3f ms", ms) : String.format(Locale.ROOT, "%.1f ms", ms);
    }

    private static String num(long n) {
        return "<td class=\"n\">" + String.format(Locale.ROOT, "%,d", n) + "</td>";
    }

    static String duration(long seconds) {
        Duration d = Duration.ofSeconds(seconds);
        if (d.toDays() > 0) {
            return d.toDays() + "d " + d.toHoursPart() + "h";
        }
        if (d.toHours() > 0) {
            return d.toHours() + "h " + d.toMinutesPart() + "m";
        }
        return d.toMinutes() + "m " + d.toSecondsPart() + "s";
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
