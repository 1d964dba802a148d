package dev.gatehouse.appserver.jwsgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import org.junit.jupiter.api.Test;

class JwsgiApplicationTest {

    /** A static entry point, as most JWSGI apps have. */
    public static final class StaticApp {
        public static Object[] application(HashMap<String, Object> env) {
            return new Object[] {200, null, "static"};
        }
    }

    /** An instance entry point: uWSGI makes one instance per worker. */
    public static final class InstanceApp {
        private final String word = "instance";

        public Object[] app(HashMap<String, Object> env) {
            return new Object[] {200, null, word};
        }
    }

    @Test
    void loadsStaticAndInstanceEntryPoints() throws Exception {
        ClassLoader cl = getClass().getClassLoader();
        assertEquals("JWSGI " + StaticApp.class.getName() + ":application",
                JwsgiApplication.load(StaticApp.class.getName(), cl).toString());
        assertEquals("JWSGI " + InstanceApp.class.getName() + ":app",
                JwsgiApplication.load(InstanceApp.class.getName() + ":app", cl).toString());
    }

    @Test
    void acceptsUwsgiSlashFormClassNames() throws Exception {
        String slash = StaticApp.class.getName().replace('.', '/');
        assertTrue(JwsgiApplication.load(slash + ":application", getClass().getClassLoader()).toString().contains("StaticApp"));
    }

    @Test
    void missingMethodSaysWhatAnEntryPointLooksLike() {
        NoSuchMethodException e = assertThrows(NoSuchMethodException.class,
                () -> JwsgiApplication.load(StaticApp.class.getName() + ":nope", getClass().getClassLoader()));
        assertEquals("no public method nope(java.util.HashMap) in " + StaticApp.class.getName()
                + ": a JWSGI entry point is public [static] Object[] nope(HashMap env)", e.getMessage());
    }
}
