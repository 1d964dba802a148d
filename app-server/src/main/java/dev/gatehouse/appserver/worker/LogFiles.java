package dev.gatehouse.appserver.worker;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Reopens the log files (USR1): after logrotate renamed a file, a stop and start of each file
 * appender makes it write to a fresh file at the configured path again.
 */
public final class LogFiles {

    private LogFiles() {
    }

    /**
     * Points logging at a file instead of standard error, and sets the root level.
     *
     * @param file the log file, appended to; null keeps standard error
     * @param level a logback level name, e.g. {@code info}
     */
    public static void configure(java.nio.file.Path file, String level) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(ch.qos.logback.classic.Level.toLevel(level, ch.qos.logback.classic.Level.INFO));
        if (file == null) {
            return;
        }
        ch.qos.logback.classic.encoder.PatternLayoutEncoder encoder = new ch.qos.logback.classic.encoder.PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(dev.gatehouse.conf.logging.ConsoleLogConfigurator.PATTERN);
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("FILE");
        appender.setFile(file.toString());
        appender.setAppend(true);
        // Several worker processes append to one file: prudent mode locks around each write.
        appender.setPrudent(true);
        appender.setEncoder(encoder);
        appender.start();
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
    }

    /** Reopens every file appender of the root logger; a no-op when logging goes to the console. */
    public static void reopen() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof FileAppender<ILoggingEvent> file) {
                file.stop();
                file.start();
                LoggerFactory.getLogger(LogFiles.class).info("reopened log file {}", file.getFile());
            }
        }
    }
}
