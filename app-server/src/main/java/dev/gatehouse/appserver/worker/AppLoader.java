package dev.gatehouse.appserver.worker;

import dev.gatehouse.appserver.api.Application;
import dev.gatehouse.appserver.jwsgi.JwsgiApplication;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Loads the application a worker runs: a native {@link Application} class, or a JWSGI entry point. */
public final class AppLoader {

    private AppLoader() {
    }

    /**
     * The class, in the {@code app-server-servlet} module, that runs a Servlet web app as an
     * {@link Application}. Named, not linked: a worker running the native API or JWSGI never
     * loads it, nor the servlet engine behind it.
     */
    static final String SERVLET_APPLICATION = "dev.gatehouse.appserver.servlet.ServletApplication";

    /**
     * The application could not be loaded or started; the message says what to fix, in one line.
     * An {@link Application#start} may throw it too, for a failure it can explain (a web app that
     * does not deploy), and the worker then logs that line and no stack trace.
     */
    public static final class AppLoadException extends Exception {
        /**
         * @param message what failed and what to fix, one line
         * @param cause the underlying failure, or null
         */
        public AppLoadException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Loads the application.
     *
     * @param classpath jars and class directories to load it from; empty = the server's own
     *     class path (where the demo app lives)
     * @param appClass a class implementing {@link Application}, used when {@code jwsgi} is null
     * @param jwsgi a JWSGI entry point {@code Class:method}, or null
     */
    public static Application load(List<Path> classpath, String appClass, String jwsgi) throws AppLoadException {
        ClassLoader loader = classLoader(classpath);
        if (jwsgi != null && !jwsgi.isEmpty()) {
            try {
                return JwsgiApplication.load(jwsgi, loader);
            } catch (ClassNotFoundException e) {
                throw new AppLoadException("JWSGI class of \"" + jwsgi + "\" not found on the class path " + describe(classpath), e);
            } catch (ReflectiveOperationException | IllegalArgumentException | LinkageError e) {
                throw new AppLoadException("cannot load JWSGI app \"" + jwsgi + "\": " + e.getMessage(), e);
            }
        }
        if (appClass == null || appClass.isEmpty()) {
            throw new AppLoadException("no application configured: set app (a class implementing "
                    + Application.class.getName() + ") or jwsgi (Class:method)", null);
        }
        try {
            Class<?> cls = Class.forName(appClass, true, loader);
            if (!Application.class.isAssignableFrom(cls)) {
                throw new AppLoadException("app class " + appClass + " does not implement " + Application.class.getName(), null);
            }
            return (Application) cls.getConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new AppLoadException("app class " + appClass + " not found on the class path " + describe(classpath), e);
        } catch (NoSuchMethodException e) {
            throw new AppLoadException("app class " + appClass + " has no public no-argument constructor", e);
        } catch (InvocationTargetException e) {
            throw new AppLoadException("constructor of app class " + appClass + " threw " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new AppLoadException("cannot load app class " + appClass + ": " + e, e);
        }
    }

    /**
     * Loads the servlet engine's {@link Application}, which deploys the web app named by the
     * {@code war} setting in its {@code start}.
     *
     * @param classpath extra jars (a JDBC driver for the session store, say) for the server side
     *     of the web app, outside the web app's own class loader
     */
    public static Application loadWebApp(List<Path> classpath) throws AppLoadException {
        ClassLoader loader = classLoader(classpath);
        try {
            Class<?> cls = Class.forName(SERVLET_APPLICATION, true, loader);
            return (Application) cls.getConstructor(ClassLoader.class).newInstance(loader);
        } catch (ClassNotFoundException e) {
            throw new AppLoadException("war is set but the servlet engine is not on the server's class path"
                    + " (app-server-servlet and Jetty jars belong in lib/)", e);
        } catch (InvocationTargetException e) {
            throw new AppLoadException("the servlet engine failed to load: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new AppLoadException("the servlet engine failed to load: " + e, e);
        }
    }

    private static ClassLoader classLoader(List<Path> classpath) throws AppLoadException {
        if (classpath.isEmpty()) {
            return AppLoader.class.getClassLoader();
        }
        List<URL> urls = new ArrayList<>();
        for (Path p : classpath) {
            if (!Files.exists(p)) {
                throw new AppLoadException("class path entry " + p + " does not exist", null);
            }
            try {
                urls.add(p.toAbsolutePath().toUri().toURL());
            } catch (MalformedURLException e) {
                throw new AppLoadException("class path entry " + p + " is not a valid location: " + e.getMessage(), e);
            }
        }
        return new URLClassLoader("gatehouse-app", urls.toArray(URL[]::new), AppLoader.class.getClassLoader());
    }

    private static String describe(List<Path> classpath) {
        return classpath.isEmpty() ? "(the server's own)" : classpath.toString();
    }
}
