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

    /** The application could not be loaded; the message says what to fix. */
    public static final class AppLoadException extends Exception {
        AppLoadException(String message, Throwable cause) {
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
