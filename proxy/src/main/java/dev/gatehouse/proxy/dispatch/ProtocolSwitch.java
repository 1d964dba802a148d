package dev.gatehouse.proxy.dispatch;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;

/**
 * How a protocol front end that can upgrade hands its connection over after a 101: its own
 * handlers leave the pipeline and the tunnel takes their place. The dispatcher sits below the
 * front ends and knows them only by this.
 */
@FunctionalInterface
public interface ProtocolSwitch {

    /** Takes the front end's handlers out of {@code p} and puts {@code tunnel} in their place. */
    void replaceWithTunnel(ChannelPipeline p, ChannelHandler tunnel);
}
