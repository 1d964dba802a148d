package dev.gatehouse.appserver.jwsgi;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.appserver.api.Request;
import dev.gatehouse.appserver.api.Response;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;

/**
 * Runs an unmodified uWSGI JWSGI application ({@code public static Object[] application(HashMap env)},
 * or the same as an instance method of a class with a public no-argument constructor).
 *
 * <p>The {@code env} holds every uwsgi var as a {@code String} (UTF-8 decoded, a repeated key
 * keeps its last value, as in uWSGI) plus {@code jwsgi.input}, the body stream. The returned
 * {@code {status, headers, body}} is converted by {@link JwsgiResponses}.
 */
public final class JwsgiApplication implements Application {

    /** The env key of the request body stream, as in uWSGI. */
    public static final String INPUT_KEY = "jwsgi.input";

    private final String spec;
    private final MethodHandle handle;

    private JwsgiApplication(String spec, MethodHandle handle) {
        this.spec = spec;
        this.handle = handle;
    }

    /**
     * Loads a JWSGI entry point.
     *
     * @param spec {@code Class:method} or {@code Class} (method {@code application}); the class
     *     name may use dots or uWSGI's slash form ({@code pkg/Cls})
     * @param loader where to find the class
     * @throws ReflectiveOperationException when the class or a matching method is missing, or
     *     the constructor of an instance entry point fails
     */
    public static JwsgiApplication load(String spec, ClassLoader loader) throws ReflectiveOperationException {
        int colon = spec.lastIndexOf(':');
        String className = (colon < 0 ? spec : spec.substring(0, colon)).replace('/', '.');
        String methodName = colon < 0 ? "application" : spec.substring(colon + 1);
        if (className.isEmpty() || methodName.isEmpty()) {
            throw new IllegalArgumentException("JWSGI entry point must be Class:method, was \"" + spec + "\"");
        }
        Class<?> cls = Class.forName(className, true, loader);
        Method method = findMethod(cls, methodName);
        MethodHandle mh = MethodHandles.publicLookup().unreflect(method);
        if (!Modifier.isStatic(method.getModifiers())) {
            Constructor<?> ctor = cls.getConstructor();
            Object instance;
            try {
                instance = ctor.newInstance();
            } catch (InvocationTargetException e) {
                throw new InstantiationException("constructor of " + className + " threw " + e.getCause());
            }
            mh = mh.bindTo(instance);
        }
        mh = mh.asType(MethodType.methodType(Object.class, HashMap.class));
        return new JwsgiApplication(className + ":" + methodName, mh);
    }

    private static Method findMethod(Class<?> cls, String name) throws NoSuchMethodException {
        Method instanceCandidate = null;
        for (Method m : cls.getMethods()) {
            if (!m.getName().equals(name) || m.getParameterCount() != 1) {
                continue;
            }
            if (!m.getParameterTypes()[0].isAssignableFrom(HashMap.class)) {
                continue;
            }
            // uWSGI prefers the static method and falls back to an instance one.
            if (Modifier.isStatic(m.getModifiers())) {
                return m;
            }
            instanceCandidate = m;
        }
        if (instanceCandidate != null) {
            return instanceCandidate;
        }
        throw new NoSuchMethodException("no public method " + name + "(java.util.HashMap) in " + cls.getName()
                + ": a JWSGI entry point is public [static] Object[] " + name + "(HashMap env)");
    }

    @Override
    public Response handle(Request request) throws Exception {
        HashMap<String, Object> env = JwsgiEnv.of(request);
        Object result;
        try {
            result = handle.invokeExact(env);
        } catch (Throwable t) {
            if (t instanceof Exception e) {
                throw e;
            }
            throw new JwsgiException(spec + " threw " + t, t);
        }
        return JwsgiResponses.toResponse(result, spec);
    }

    @Override
    public String toString() {
        return "JWSGI " + spec;
    }
}
