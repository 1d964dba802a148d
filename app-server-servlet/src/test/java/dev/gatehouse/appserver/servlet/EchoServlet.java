package dev.gatehouse.appserver.servlet;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Declared in the test web app's web.xml: tells what the request looked like, or streams a big body. */
public class EchoServlet extends HttpServlet {

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String big = req.getParameter("big");
        if (big != null) {
            resp.setContentType("application/octet-stream");
            byte[] block = new byte[8192];
            for (int i = 0; i < block.length; i++) {
                block[i] = (byte) i;
            }
            OutputStream out = resp.getOutputStream();
            for (long left = Long.parseLong(big); left > 0; left -= block.length) {
                out.write(block, 0, (int) Math.min(block.length, left));
            }
            return;
        }
        if (req.getParameter("count") != null) {
            HttpSession session = req.getSession(true);
            Integer n = (Integer) session.getAttribute("n");
            n = n == null ? 1 : n + 1;
            session.setAttribute("n", n);
            resp.getWriter().print(n);
            return;
        }
        byte[] body = req.getInputStream().readAllBytes();
        resp.setContentType("text/plain;charset=utf-8");
        resp.setHeader("X-Body-Length", Integer.toString(body.length));
        resp.getWriter().print(req.getMethod() + " " + req.getRequestURI() + " q=" + req.getQueryString()
                + " scheme=" + req.getScheme() + " secure=" + req.isSecure()
                + " server=" + req.getServerName() + ":" + req.getServerPort()
                + " remote=" + req.getRemoteAddr() + ":" + req.getRemotePort()
                + " ua=" + req.getHeader("user-agent") + " ctx=" + req.getContextPath()
                + " body=" + new String(body, StandardCharsets.UTF_8));
    }
}
