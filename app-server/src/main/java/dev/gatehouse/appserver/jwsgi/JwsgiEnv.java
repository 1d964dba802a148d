package dev.gatehouse.appserver.jwsgi;

import dev.gatehouse.appserver.api.Request;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds the {@code env} HashMap that uWSGI's JWSGI plugin hands to an application. */
final class JwsgiEnv {

    private JwsgiEnv() {
    }

    static HashMap<String, Object> of(Request request) {
        List<Map.Entry<String, String>> vars = request.environ();
        HashMap<String, Object> env = HashMap.newHashMap(vars.size() + 1);
        for (Map.Entry<String, String> var : vars) {
            // uWSGI makes each value with JNI NewStringUTF: the bytes are read as UTF-8. The
            // environ is byte-per-char ISO-8859-1, so re-decode; put() keeps the last repeat.
            env.put(var.getKey(), utf8(var.getValue()));
        }
        env.put(JwsgiApplication.INPUT_KEY, request.body());
        return env;
    }

    private static String utf8(String latin1) {
        for (int i = 0; i < latin1.length(); i++) {
            if (latin1.charAt(i) >= 0x80) {
                return new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
            }
        }
        return latin1;
    }
}
