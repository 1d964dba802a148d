package dev.gatehouse.appserver.worker;

/** Pauses and resumes reading from a connection, so a slow reader of a body bounds its buffer. */
interface FlowControl {

    /** Stop reading from the socket; called on the event loop. */
    void pause();

    /** Start reading again; may be called from any thread. */
    void resume();

    /** No flow control: for bodies that are buffered whole before the app runs. */
    FlowControl NONE = new FlowControl() {
        @Override
        public void pause() {
        }

        @Override
        public void resume() {
        }
    };
}
