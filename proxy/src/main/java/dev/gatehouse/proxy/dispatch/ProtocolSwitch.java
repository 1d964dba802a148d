package dev.gatehouse.proxy.dispatch;

import io.netty.channel.ChannelHandler;

/**
 * How a protocol front end that can upgrade (HTTP/1.1) hands its connection over after a 101:
 * its own handlers leave the pipeline and the tunnel takes their place. The dispatcher sits
 * below the front ends and knows them only by this.
 */
public interface ProtocolSwitch {

    /**
     * Whether the connection may become a tunnel now: the request asking to upgrade is the last
     * thing the client sent, and no response was started.
     */
    boolean mayUpgrade();

    /** Takes the front end's handlers out of the pipeline and puts {@code tunnel} in their place. */
    void replaceWithTunnel(ChannelHandler tunnel);
}
