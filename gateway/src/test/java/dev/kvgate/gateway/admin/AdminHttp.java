package dev.kvgate.gateway.admin;

import dev.kvgate.gateway.server.KvgateServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** GETs on a test gateway's admin listener. */
public final class AdminHttp {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AdminHttp() {
    }

    public static URI uri(KvgateServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.adminAddress().orElseThrow().getPort() + path);
    }

    public static HttpResponse<String> get(KvgateServer server, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
