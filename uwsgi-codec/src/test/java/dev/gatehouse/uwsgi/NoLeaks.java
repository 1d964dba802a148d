package dev.gatehouse.uwsgi;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** JUnit Jupiter hook: after a test class, fail if Netty reported a leaked buffer. */
public final class NoLeaks implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) {
        LeakRecorder.assertNoLeaks();
    }
}
