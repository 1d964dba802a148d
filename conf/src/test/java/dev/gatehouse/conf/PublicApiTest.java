package dev.gatehouse.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gatehouse.conf.app.AppServerConfig;
import dev.gatehouse.conf.schema.ConfigReader;
import java.io.IOException;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The TOML library must stay an implementation detail of this module. */
class PublicApiTest {

    @Test
    void noPublicSignatureMentionsTheTomlLibrary() throws Exception {
        List<String> leaks = new ArrayList<>();
        List<Class<?>> classes = publicClasses();
        // The scan must see the classes that use the library, or it proves nothing.
        assertTrue(classes.contains(ConfigReader.class), classes::toString);
        for (Class<?> c : classes) {
            for (Method m : c.getMethods()) {
                check(c, m, m.getGenericReturnType().getTypeName(), leaks);
                check(c, m, m, leaks);
            }
            for (var k : c.getConstructors()) {
                check(c, k, k, leaks);
            }
            for (Field f : c.getFields()) {
                if (f.getGenericType().getTypeName().contains("org.tomlj")) {
                    leaks.add(c.getName() + "." + f.getName());
                }
            }
            if (c.getGenericSuperclass() != null && c.getGenericSuperclass().getTypeName().contains("org.tomlj")) {
                leaks.add(c.getName() + " extends " + c.getGenericSuperclass());
            }
        }
        assertEquals(List.of(), leaks);
    }

    private static void check(Class<?> c, Executable e, Executable params, List<String> leaks) {
        for (var t : params.getGenericParameterTypes()) {
            check(c, e, t.getTypeName(), leaks);
        }
        for (var t : params.getGenericExceptionTypes()) {
            check(c, e, t.getTypeName(), leaks);
        }
    }

    private static void check(Class<?> c, Executable e, String typeName, List<String> leaks) {
        if (typeName.contains("org.tomlj")) {
            leaks.add(c.getName() + "." + e.getName() + ": " + typeName);
        }
    }

    private static List<Class<?>> publicClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(AppServerConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = root.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> c = Class.forName(name, false, PublicApiTest.class.getClassLoader());
                if (Modifier.isPublic(c.getModifiers())) {
                    out.add(c);
                }
            }
        }
        return out;
    }
}
