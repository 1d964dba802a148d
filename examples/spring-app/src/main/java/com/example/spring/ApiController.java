package com.example.spring;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** The app's endpoints, under /api (the dispatcher's mapping). */
@RestController
public class ApiController {

    /** A JSON answer from a record. */
    public record Greeting(String greeting, int length) {
    }

    /** What a JSON POST sends. */
    public record Order(String item, int quantity) {
    }

    @GetMapping("/greeting")
    public Greeting greeting(@RequestParam(defaultValue = "world") String name) {
        return new Greeting("Hello, " + name + "!", name.length());
    }

    @PostMapping("/orders")
    public Map<String, Object> order(@RequestBody Order order) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("item", order.item());
        m.put("quantity", order.quantity());
        m.put("accepted", order.quantity() > 0);
        return m;
    }

    @PostMapping(path = "/form", consumes = "application/x-www-form-urlencoded")
    public Map<String, Object> form(@RequestParam String name, @RequestParam List<String> tag) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("tags", tag);
        return m;
    }

    @PostMapping(path = "/upload", consumes = "multipart/form-data")
    public Map<String, Object> upload(@RequestParam("file") MultipartFile file, @RequestParam String note)
            throws IOException, NoSuchAlgorithmException {
        byte[] bytes = file.getBytes();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("filename", file.getOriginalFilename());
        m.put("size", bytes.length);
        m.put("sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        m.put("note", note);
        return m;
    }

    @GetMapping("/counter")
    public Map<String, Object> counter(HttpSession session) {
        Integer n = (Integer) session.getAttribute("count");
        n = n == null ? 1 : n + 1;
        session.setAttribute("count", n);
        return Map.of("count", n);
    }

    @GetMapping("/stock/{item}")
    public Map<String, Object> stock(@PathVariable String item) {
        if (item.startsWith("sold-out")) {
            throw new OutOfStockException(item);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("item", item);
        m.put("inStock", true);
        return m;
    }

    /** Reads a request body of any size as a stream and says what it was. */
    @PostMapping("/digest")
    public Map<String, Object> digest(HttpServletRequest request) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long size = 0;
        byte[] buf = new byte[65536];
        try (var in = request.getInputStream()) {
            for (int n; (n = in.read(buf)) > 0; size += n) {
                sha.update(buf, 0, n);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("size", size);
        m.put("sha256", HexFormat.of().formatHex(sha.digest()));
        return m;
    }

    /** A generated body of the asked size, streamed: bytes i % 251. */
    @GetMapping("/blob")
    public void blob(@RequestParam long size, jakarta.servlet.http.HttpServletResponse response) throws IOException {
        response.setContentType("application/octet-stream");
        byte[] block = new byte[251 * 64];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i % 251);
        }
        var out = response.getOutputStream();
        for (long left = size; left > 0; left -= block.length) {
            out.write(block, 0, (int) Math.min(block.length, left));
        }
    }

    /** Answered from another thread: Spring starts the servlet's async mode and completes it later. */
    @GetMapping("/async")
    public java.util.concurrent.Callable<Map<String, Object>> async(@RequestParam(defaultValue = "0") long delayMs) {
        return () -> {
            Thread.sleep(delayMs);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("async", true);
            m.put("delayMs", delayMs);
            return m;
        };
    }

    @GetMapping("/whoami")
    public Map<String, Object> whoami(HttpServletRequest request) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scheme", request.getScheme());
        m.put("secure", request.isSecure());
        m.put("serverName", request.getServerName());
        m.put("serverPort", request.getServerPort());
        m.put("remoteAddr", request.getRemoteAddr());
        m.put("requestUri", request.getRequestURI());
        m.put("queryString", request.getQueryString());
        m.put("contextPath", request.getContextPath());
        return m;
    }
}
