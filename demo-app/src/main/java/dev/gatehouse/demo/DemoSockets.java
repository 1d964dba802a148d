package dev.gatehouse.demo;

import dev.gatehouse.appserver.api.Request;
import dev.gatehouse.appserver.api.WebSocket;
import dev.gatehouse.appserver.api.WebSocketAccept;
import dev.gatehouse.appserver.api.WebSocketHandler;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The demo's WebSocket endpoints.
 *
 * <ul>
 *   <li>{@code /ws/echo}: every text and binary message comes back unchanged. Text commands:
 *       {@code cmd:frag N TEXT} sends TEXT back in fragments of N characters,
 *       {@code cmd:close CODE REASON} closes with that code, {@code cmd:ping DATA} sends a ping and
 *       then {@code pong:DATA} when the pong arrives, {@code cmd:pid} answers {@code pid:PID} of the
 *       worker. Messages up to 16 MiB.
 *   <li>{@code /ws/chat?name=NAME}: a chat room: every text message goes to everyone in the room
 *       as {@code NAME: text}, with {@code * NAME joined} and {@code * NAME left}. The room is
 *       per worker process: a chat across workers needs a shared bus (Redis, a database), which
 *       the demo leaves out.
 * </ul>
 */
final class DemoSockets {

    private static final Set<WebSocket> ROOM = ConcurrentHashMap.newKeySet();

    private DemoSockets() {
    }

    /** The accept for a WebSocket request, or null for a path without one. */
    static WebSocketAccept accept(Request request) {
        return switch (request.path()) {
            // The echo never blocks: its callbacks may run on the worker's I/O thread.
            case "/ws/echo" -> WebSocketAccept.with(ECHO).withNonBlockingHandler();
            case "/ws/chat" -> {
                String name = request.queryParameter("name");
                yield WebSocketAccept.with(new Chat(name == null || name.isBlank() ? "anonymous" : name.strip()))
                        .withMaxMessageSize(64 * 1024);
            }
            default -> null;
        };
    }

    private static final WebSocketHandler ECHO = new WebSocketHandler() {
        @Override
        public void onText(WebSocket socket, String text) {
            if (text.startsWith("cmd:")) {
                command(socket, text.substring(4));
            } else {
                socket.sendText(text);
            }
        }

        @Override
        public void onBinary(WebSocket socket, byte[] data) {
            socket.sendBinary(data);
        }

        @Override
        public void onPong(WebSocket socket, byte[] data) {
            socket.sendText("pong:" + new String(data, StandardCharsets.UTF_8));
        }
    };

    private static void command(WebSocket socket, String command) {
        String[] parts = command.split(" ", 3);
        switch (parts[0]) {
            case "frag" -> {
                int n = Integer.parseInt(parts[1]);
                String text = parts.length > 2 ? parts[2] : "";
                for (int i = 0; i < text.length(); i += n) {
                    socket.sendText(text.substring(i, Math.min(text.length(), i + n)), i + n >= text.length());
                }
                if (text.isEmpty()) {
                    socket.sendText("", true);
                }
            }
            case "close" -> socket.close(Integer.parseInt(parts[1]), parts.length > 2 ? parts[2] : "");
            case "pid" -> socket.sendText("pid:" + ProcessHandle.current().pid());
            case "ping" -> socket.sendPing(command.substring(Math.min(command.length(), 5)).getBytes(StandardCharsets.UTF_8));
            default -> socket.sendText("unknown command: " + parts[0]);
        }
    }

    /** One member of the chat room. */
    private record Chat(String name) implements WebSocketHandler {
        @Override
        public void onOpen(WebSocket socket) {
            ROOM.add(socket);
            broadcast("* " + name + " joined");
        }

        @Override
        public void onText(WebSocket socket, String text) {
            broadcast(name + ": " + text);
        }

        @Override
        public void onClose(WebSocket socket, int code, String reason) {
            if (ROOM.remove(socket)) {
                broadcast("* " + name + " left");
            }
        }

        private static void broadcast(String line) {
            for (WebSocket member : ROOM) {
                // A member that closed meanwhile just misses the line (send returns false).
                member.sendText(line);
            }
        }
    }
}
