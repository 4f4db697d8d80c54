package dev.kvgate.gateway.pipeline;

import dev.kvgate.config.LimitsSettings;
import dev.kvgate.config.ListenerSettings;
import dev.kvgate.gateway.auth.Authenticator;
import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.gateway.protocol.FrameDecoder;
import dev.kvgate.gateway.proxy.BackendRegistry;
import dev.kvgate.gateway.proxy.ClientSession;
import dev.kvgate.gateway.proxy.GatewayStats;
import dev.kvgate.gateway.text.ProtocolDetector;
import dev.kvgate.mcbp.RequestValidator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The one client pipeline of every listener: wire counters -> [TLS record timer -> TLS] -> [access
 * log] -> idle timer -> protocol detector -> frame decoder -> session. A TLS listener differs only by
 * the SslHandler in front (the unified transport); nothing below asks. The detector turns the
 * pipeline of a text client into ... -> idle timer -> text decoder -> text encoder -> session on its
 * first byte.
 */
public final class ClientChannelInitializer extends ChannelInitializer<Channel> {
    private final Supplier<SslContext> ssl;
    // Replaced by a reload (update): read once per new connection.
    private volatile Duration handshakeTimeout;
    private final TlsStats tlsStats;
    private final TlsCloseHandler tlsClose;
    private volatile LimitsSettings limits;
    private final BackendRegistry registry;
    private final GatewayStats stats;
    private final Authenticator auth;
    private volatile RequestValidator validator;
    private final MemoryBudget budget;
    private final ListenerStats listenerStats;
    /** Fraction of answers in the access log; 0 when it is off. */
    private volatile double accessSample;

    /** A listener with no name of its own and no access log, serving both protocols (tests). */
    public ClientChannelInitializer(Supplier<SslContext> ssl, Duration handshakeTimeout, TlsStats tlsStats,
                                    LimitsSettings limits, BackendRegistry registry, GatewayStats stats,
                                    Authenticator auth, RequestValidator validator, MemoryBudget budget) {
        this(ssl, handshakeTimeout, tlsStats, limits, registry, stats, auth, validator, budget,
                new ListenerStats(ssl != null ? "tls" : "plain"), 0, ListenerSettings.Protocol.AUTO);
    }

    /** A listener with no name of its own and no access log (tests). */
    public ClientChannelInitializer(Supplier<SslContext> ssl, Duration handshakeTimeout, TlsStats tlsStats,
                                    LimitsSettings limits, BackendRegistry registry, GatewayStats stats,
                                    Authenticator auth, RequestValidator validator) {
        this(ssl, handshakeTimeout, tlsStats, limits, registry, stats, auth, validator,
                MemoryBudget.unlimited(64 * 1024), new ListenerStats(ssl != null ? "tls" : "plain"), 0,
                ListenerSettings.Protocol.AUTO);
    }
    private final ListenerSettings.Protocol protocol;

    /**
     * @param ssl the current server context for a TLS listener (asked per connection, so a reloaded
     *            certificate applies to new connections), {@code null} for a plain listener
     * @param tlsStats handshake counters of the TLS listeners
     * @param auth who may send data commands (auth.mode)
     * @param validator what each opcode allows (checked before anything is routed)
     * @param budget    large requests are gathered against it
     * @param listenerStats this listener's connection and byte counters
     * @param accessSample fraction of answers written to the access log, 0 for none
     * @param protocol the client protocols this listener serves (told apart on the first byte)
     */
    public ClientChannelInitializer(Supplier<SslContext> ssl, Duration handshakeTimeout, TlsStats tlsStats,
                                    LimitsSettings limits, BackendRegistry registry, GatewayStats stats,
                                    Authenticator auth, RequestValidator validator, MemoryBudget budget,
                                    ListenerStats listenerStats, double accessSample,
                                    ListenerSettings.Protocol protocol) {
        this.ssl = ssl;
        this.handshakeTimeout = handshakeTimeout;
        this.tlsStats = tlsStats;
        this.tlsClose = new TlsCloseHandler(tlsStats);
        this.limits = limits;
        this.registry = registry;
        this.stats = stats;
        this.auth = auth;
        this.validator = validator;
        this.budget = budget;
        this.listenerStats = listenerStats;
        this.accessSample = accessSample;
        this.protocol = protocol;
    }

    /** A reload: connections accepted from now on get these; open ones keep theirs. */
    public void update(LimitsSettings limits, RequestValidator validator, Duration handshakeTimeout,
                       double accessSample) {
        this.limits = limits;
        this.validator = validator;
        this.handshakeTimeout = handshakeTimeout;
        this.accessSample = accessSample;
    }

    @Override
    protected void initChannel(Channel ch) {
        LimitsSettings limits = this.limits;
        RequestValidator validator = this.validator;
        Duration handshakeTimeout = this.handshakeTimeout;
        double accessSample = this.accessSample;
        ch.pipeline().addLast(HandlerNames.WIRE_COUNTERS, new WireCountersHandler(listenerStats));
        if (ssl != null) {
            SslHandler tls = ssl.get().newHandler(ch.alloc());
            tls.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
            ch.pipeline().addLast(HandlerNames.TLS_RECORDS, new TlsRecordStallHandler(limits.frameReadTimeout()))
                    .addLast(HandlerNames.TLS, tls)
                    .addLast(HandlerNames.TLS_METRICS, new TlsMetricsHandler(tlsStats))
                    .addLast(HandlerNames.TLS_INFO, new TlsInfoHandler(tlsStats))
                    .addLast(HandlerNames.TLS_CLOSE, tlsClose);
        }
        FrameDecoder frames = new FrameDecoder(FrameDecoder.Direction.REQUEST, limits.maxFrame(),
                limits.framesPerRead(), limits.frameReadTimeout(), budget);
        if (ssl != null) {
            frames.countTlsRecordBuffers();
        }
        if (accessSample > 0) {
            ch.pipeline().addLast(HandlerNames.ACCESS_LOG, new AccessLogHandler(accessSample, listenerStats));
        }
        ch.pipeline()
                // Idle counts from the last read or flush, so a client gets the whole timeout after
                // a slow answer, without a promise per write (Netty's all-idle handler needs one).
                .addLast(HandlerNames.IDLE, new IdleTimeoutHandler(limits.idleTimeout().toMillis(),
                        TimeUnit.MILLISECONDS))
                // The session looks its frame decoder up when added: the detector replaces that
                // decoder for a text client, and so must come before it.
                .addLast(HandlerNames.DETECT, new ProtocolDetector(protocol, limits.maxFrame(), limits.frameReadTimeout()))
                .addLast(HandlerNames.FRAMES, frames)
                .addLast(HandlerNames.SESSION, new ClientSession(registry, limits, stats, auth, validator, budget));
    }
}
