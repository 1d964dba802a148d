package com.example.spring;

/** Mapped to /out-of-stock.html by WEB-INF/web.xml. */
public class OutOfStockException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public OutOfStockException(String item) {
        super(item + " is out of stock");
    }
}
