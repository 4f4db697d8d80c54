package dev.kvgate.gateway.admin;

import dev.kvgate.config.AdminSettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin routes. Runs on the admin event loop only, so a scrape, a status page or a GC for
 * /debug/memory never holds up an mcbp event loop. GET and HEAD only; nothing here changes kvgate.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    /** Every path the admin listener answers (the Kubernetes manifests' test checks its probes against it). */
    static final List<String> ROUTES = List.of("/", "/healthz", "/readyz", "/metrics", "/debug/memory");

    private final AdminSources sources;
    private final AdminSettings settings;
    private final java.util.function.Supplier<GatewayMetrics> newMetrics;
    private final Clock clock;
    /** Made by the first scrape (on the admin listener's one event loop). */
    private GatewayMetrics metrics;
    private ExpositionFormats formats;

    AdminHandler(AdminSources sources, AdminSettings settings, java.util.function.Supplier<GatewayMetrics> metrics,
                 Clock clock) {
        this.sources = sources;
        this.settings = settings;
        this.newMetrics = metrics;
        this.clock = clock;
    }

    /** The registry, made at the first call. */
    synchronized GatewayMetrics metrics() {
        if (metrics == null) {
            metrics = newMetrics.get();
            formats = ExpositionFormats.init();
        }
        return metrics;
    }

    /** Whether a scrape has made the registry yet. */
    synchronized boolean metricsMade() {
        return metrics != null;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse response;
        if (!request.decoderResult().isSuccess()) {
            response = text(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n");
            HttpUtil.setKeepAlive(response, false);
            send(ctx, request, response);
            return;
        }
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!head && !request.method().equals(HttpMethod.GET)) {
            response = text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "GET or HEAD only\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            send(ctx, request, response);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        try {
            response = switch (path) {
                case "/healthz" -> text(ctx, HttpResponseStatus.OK, "ok\n");
                case "/readyz" -> {
                    Readiness.Verdict v = Readiness.check(sources, settings.readyShards());
                    yield text(ctx, v.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                            (v.ready() ? "" : "not ready: ") + v.reason() + "\n");
                }
                case "/metrics" -> metrics(ctx, request.headers().get(HttpHeaderNames.ACCEPT));
                case "/" -> body(ctx, HttpResponseStatus.OK, "text/html; charset=utf-8",
                        StatusPage.render(sources, Readiness.check(sources, settings.readyShards()), clock));
                case "/debug/memory" -> body(ctx, HttpResponseStatus.OK, "application/json",
                        MemoryReport.json(sources.stats()));
                default -> text(ctx, HttpResponseStatus.NOT_FOUND, "not found; try " + String.join(" ", ROUTES) + "\n");
            };
        } catch (RuntimeException | IOException e) {
            log.warn("admin {} {} failed", request.method(), path, e);
            response = text(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e + "\n");
        }
        if (head) {
            response.content().clear();
        }
        send(ctx, request, response);
    }

    private FullHttpResponse metrics(ChannelHandlerContext ctx, String accept) throws IOException {
        GatewayMetrics m = metrics();
        ExpositionFormatWriter writer = formats.findWriter(accept);
        ByteBuf out = ctx.alloc().buffer(16384);
        try (ByteBufOutputStream stream = new ByteBufOutputStream(out)) {
            writer.write(stream, m.registry().scrape());
        } catch (IOException | RuntimeException e) {
            out.release();
            throw e;
        }
        FullHttpResponse r = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK, out);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, writer.getContentType());
        return r;
    }

    private static FullHttpResponse text(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
        return body(ctx, status, "text/plain; charset=utf-8", body);
    }

    private static FullHttpResponse body(ChannelHandlerContext ctx, HttpResponseStatus status, String type,
                                         String body) {
        ByteBuf content = ctx.alloc().buffer(body.length() + 16);
        content.writeCharSequence(body, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, status,
                content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return r;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        // The length of the body a GET would get, also for HEAD (its content was cleared above).
        if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setContentLength(response, response.content().readableBytes());
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request) && HttpUtil.isKeepAlive(response);
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection {}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
