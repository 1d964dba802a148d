package dev.gatehouse.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The distribution's version, which the build writes into {@code gatehouse.properties}. */
public final class GatehouseVersion implements IVersionProvider {

    /** The version, such as {@code 0.1.0}. */
    public static String version() {
        try (InputStream in = GatehouseVersion.class.getResourceAsStream("gatehouse.properties")) {
            if (in == null) {
                throw new IllegalStateException("gatehouse.properties is missing from the gatehouse jar");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"gatehouse " + version()};
    }
}
