package dev.kvgate.gateway.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.kvgate.gateway.pipeline.WireCountersHandler;
import io.netty.channel.Channel;
import java.io.IOException;
import net.logstash.logback.composite.AbstractJsonProvider;

/**
 * Adds {@code peer}, {@code listener} and {@code channel} to a JSON log line whose arguments include
 * a Netty channel: kvgate's log lines about a connection pass the channel as their first argument,
 * so the JSON lines of one client can be found by field without changing any log call.
 */
public final class ChannelJsonProvider extends AbstractJsonProvider<ILoggingEvent> {
    @Override
    public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
        Object[] args = event.getArgumentArray();
        if (args == null) {
            return;
        }
        for (Object arg : args) {
            if (arg instanceof Channel ch) {
                if (ch.remoteAddress() != null) {
                    generator.writeStringField("peer", String.valueOf(ch.remoteAddress()));
                }
                String listener = ch.attr(WireCountersHandler.LISTENER).get();
                if (listener != null) {
                    generator.writeStringField("listener", listener);
                }
                generator.writeStringField("channel", ch.id().asShortText());
                return;
            }
        }
    }
}
