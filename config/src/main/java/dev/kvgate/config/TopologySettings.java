package dev.kvgate.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where the list of remote shards comes from ({@code kvgate.topology}): the static {@code kvgate.shards},
 * a DNS name re-resolved every interval, or a JSON document polled over HTTP.
 *
 * @param startTimeout how long the start waits for the first topology of a dns or http source
 */
public record TopologySettings(Source source, Dns dns, Http http, Duration startTimeout) {

    /** static: kvgate.shards; dns: {@link Dns}; http: {@link Http}. */
    public enum Source { STATIC, DNS, HTTP }

    /** A and AAAA records (each address a shard on {@code port}), or SRV records (each target and port a shard). */
    public enum RecordType { A, SRV }

    /**
     * @param name    the name to resolve; null unless {@code source = dns}
     * @param servers name servers as host:port; empty for those of /etc/resolv.conf
     */
    public record Dns(String name, RecordType record, int port, boolean tls, Duration interval, Duration timeout,
                      List<ShardSettings> servers) {
        public Dns {
            servers = List.copyOf(servers);
        }
    }

    /**
     * @param url     the JSON document; null unless {@code source = http}
     * @param trust   PEM CA bundle for an https url; empty for the JDK's default trust store
     * @param headers extra request headers, each "Name: value"
     */
    public record Http(URI url, Duration interval, Duration timeout, Optional<Path> trust, List<String> headers) {
        public Http {
            headers = List.copyOf(headers);
        }

        @Override
        public String toString() {
            // Headers may carry credentials (Authorization): never printed.
            return "Http[url=" + url + ", interval=" + interval + ", timeout=" + timeout + ", trust=" + trust
                    + ", headers=" + headers.size() + "]";
        }
    }
}
