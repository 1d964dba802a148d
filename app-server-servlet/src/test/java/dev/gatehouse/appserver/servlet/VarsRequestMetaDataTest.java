package dev.gatehouse.appserver.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.junit.jupiter.api.Test;

/** The Jetty request made from the vars, field by field. */
class VarsRequestMetaDataTest {

    private static MetaData.Request build(VarsTestRequest r) {
        return VarsRequestMetaData.build(r, VarsRequestMetaData.secure(r), VarsRequestMetaData.version(r));
    }

    @Test
    void headerNamesTakeJettysSpellingOrCapitalisedWords() {
        assertEquals("User-Agent", VarsRequestMetaData.headerName("HTTP_USER_AGENT"));
        assertEquals("TE", VarsRequestMetaData.headerName("HTTP_TE"));
        assertEquals("X-Request-Id", VarsRequestMetaData.headerName("HTTP_X_REQUEST_ID"));
        assertEquals("Dnt", VarsRequestMetaData.headerName("HTTP_DNT"));
    }

    @Test
    void hostWithoutPortTakesTheFrontsPortUnlessItIsTheDefault() {
        MetaData.Request r = build(new VarsTestRequest("GET", "/a?b=1", new byte[0], "HTTP_HOST", "shop.example",
                "SERVER_PORT", "8443"));
        assertEquals("shop.example", r.getHttpURI().getHost());
        assertEquals(8443, r.getHttpURI().getPort());
        assertEquals("shop.example:8443", r.getHttpFields().get(HttpHeader.HOST));
        assertEquals("/a?b=1", r.getHttpURI().getPathQuery());

        MetaData.Request d = build(new VarsTestRequest("GET", "/", new byte[0], "HTTP_HOST", "shop.example",
                "SERVER_PORT", "80"));
        assertEquals(-1, d.getHttpURI().getPort());
        assertEquals("shop.example", d.getHttpFields().get(HttpHeader.HOST));
    }

    @Test
    void schemeVersionBodyLengthAndAddressesComeFromTheVars() {
        VarsTestRequest v = new VarsTestRequest("POST", "/x", new byte[5], "HTTPS", "on", "SERVER_PROTOCOL", "HTTP/1.0",
                "REMOTE_ADDR", "2001:db8::7", "REMOTE_PORT", "5555");
        MetaData.Request r = build(v);
        assertEquals("https", r.getHttpURI().getScheme());
        assertEquals(HttpVersion.HTTP_1_0, r.getHttpVersion());
        assertEquals(5, r.getContentLength());
        assertEquals("5", r.getHttpFields().get(HttpHeader.CONTENT_LENGTH));
        InetSocketAddress remote = (InetSocketAddress) VarsRequestMetaData.remote(v);
        assertFalse(remote.isUnresolved());
        assertEquals(5555, remote.getPort());
        assertEquals("2001:db8:0:0:0:0:0:7", remote.getAddress().getHostAddress());
    }

    @Test
    void anAddressThatIsNoLiteralIsNeverLookedUp() {
        VarsTestRequest v = new VarsTestRequest("GET", "/", new byte[0], "REMOTE_ADDR", "unix-front.invalid");
        assertTrue(((InetSocketAddress) VarsRequestMetaData.remote(v)).isUnresolved());
    }

    @Test
    void noContentLengthVarIsAnUnknownLength() {
        MetaData.Request r = build(new VarsTestRequest("GET", "/", new byte[0]));
        assertEquals(-1, r.getContentLength());
        assertEquals(null, r.getHttpFields().get(HttpHeader.CONTENT_LENGTH));
    }

    @Test
    void missingRequestUriIsRebuiltFromPathInfoAndQuery() {
        VarsTestRequest v = new VarsTestRequest("GET", "/a b?q=1", new byte[0], "REQUEST_URI", "");
        assertEquals("/a%20b?q=1", build(v).getHttpURI().getPathQuery());
    }
}
