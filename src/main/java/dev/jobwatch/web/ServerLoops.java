package dev.jobwatch.web;

import dev.jobwatch.config.TransportProperties.Transport;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * The HTTP server's event loops on one transport, named rather than detected: Reactor Netty takes
 * io_uring over epoll whenever both load, and a native transport whenever one loads, so a choice of
 * epoll or NIO takes loops of one's own.
 */
final class ServerLoops implements LoopResources {

    private final EventLoopGroup group;
    private final Supplier<ServerSocketChannel> serverChannel;
    private final Supplier<SocketChannel> channel;

    /** @param transport epoll, io_uring or NIO, already known to be available */
    ServerLoops(Transport transport, int threads) {
        IoHandlerFactory handlers = switch (transport) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
            case AUTO -> throw new IllegalArgumentException("choose a transport first");
        };
        this.group = new MultiThreadIoEventLoopGroup(
                threads,
                new DefaultThreadFactory("jobwatch-http-" + transport.name().toLowerCase(Locale.ROOT), true),
                handlers);
        this.serverChannel = switch (transport) {
            case EPOLL -> EpollServerSocketChannel::new;
            case IO_URING -> IoUringServerSocketChannel::new;
            default -> NioServerSocketChannel::new;
        };
        this.channel = switch (transport) {
            case EPOLL -> EpollSocketChannel::new;
            case IO_URING -> IoUringSocketChannel::new;
            default -> NioSocketChannel::new;
        };
    }

    @Override
    public EventLoopGroup onServer(boolean useNative) {
        return group;
    }

    @Override
    public <C extends Channel> C onChannel(Class<C> type, EventLoopGroup group) {
        return type.cast(make(type));
    }

    @Override
    public <C extends Channel> Class<? extends C> onChannelClass(Class<C> type, EventLoopGroup group) {
        return make(type).getClass().asSubclass(type);
    }

    private Channel make(Class<? extends Channel> type) {
        if (type == ServerSocketChannel.class) {
            return serverChannel.get();
        }
        if (type == SocketChannel.class) {
            return channel.get();
        }
        throw new IllegalArgumentException("the HTTP server's loops make no " + type.getName());
    }

    @Override
    public boolean isDisposed() {
        return group.isShuttingDown();
    }

    @Override
    public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
        return Mono.create(
                done -> group.shutdownGracefully(quietPeriod.toMillis(), timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .addListener(future -> done.success()));
    }
}
