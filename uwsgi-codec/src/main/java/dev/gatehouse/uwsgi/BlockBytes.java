package dev.gatehouse.uwsgi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;

/**
 * Read access to a vars block by offset from its first byte, without copying it, for the parse and
 * lookup loops of {@link UwsgiVars}.
 *
 * <p>Why not plain {@code ByteBuf} getters: each one re-checks bounds and the reference count,
 * and the parse is a chain of dependent reads (each length says where the next one is), so every
 * nanosecond per read adds up. Heap blocks are read straight from their array; direct ones through
 * one NIO view, whose absolute getters compile to bounds-checked loads. (On Java 25 Netty 4.2
 * runs without {@code sun.misc.Unsafe} by default, so its direct getters go through NIO anyway.)
 * Two implementations keep every call site bimorphic, which the JIT inlines.
 */
abstract sealed class BlockBytes permits BlockBytes.OnArray, BlockBytes.OnNio {

    static BlockBytes of(ByteBuf block, int base, int length) {
        if (block.hasArray()) {
            return new OnArray(block.array(), block.arrayOffset() + base);
        }
        // A buffer made of several pieces (a CompositeByteBuf) has no single view and is copied;
        // the decoder's default merging cumulator never produces one.
        ByteBuffer view = block.nioBufferCount() == 1 ? block.nioBuffer(base, length)
                : ByteBuffer.wrap(ByteBufUtil.getBytes(block, base, length));
        return new OnNio(view.order(ByteOrder.BIG_ENDIAN));
    }

    /** The unsigned byte at {@code i}. */
    abstract int u8(int i);

    /** The little-endian u16 at {@code i}: every uwsgi length field. */
    abstract int u16le(int i);

    /** The 8 bytes at {@code i} as a big-endian long, to compare against {@link VarKey} words. */
    abstract long longBE(int i);

    abstract String string(int i, int length, Charset charset);

    abstract void copy(int i, byte[] destination);

    static final class OnArray extends BlockBytes {
        private static final VarHandle LONG_BE =
                MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
        /** One 2-byte load rather than two byte loads: each length read is a link of the parse's chain. */
        private static final VarHandle SHORT_LE =
                MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

        private final byte[] array;
        private final int offset;

        OnArray(byte[] array, int offset) {
            this.array = array;
            this.offset = offset;
        }

        @Override
        int u8(int i) {
            return array[offset + i] & 0xFF;
        }

        @Override
        int u16le(int i) {
            return (short) SHORT_LE.get(array, offset + i) & 0xFFFF;
        }

        @Override
        long longBE(int i) {
            return (long) LONG_BE.get(array, offset + i);
        }

        @Override
        String string(int i, int length, Charset charset) {
            return new String(array, offset + i, length, charset);
        }

        @Override
        void copy(int i, byte[] destination) {
            System.arraycopy(array, offset + i, destination, 0, destination.length);
        }
    }

    static final class OnNio extends BlockBytes {
        private final ByteBuffer view;

        OnNio(ByteBuffer view) {
            this.view = view;
        }

        @Override
        int u8(int i) {
            return view.get(i) & 0xFF;
        }

        @Override
        int u16le(int i) {
            return Short.reverseBytes(view.getShort(i)) & 0xFFFF;
        }

        @Override
        long longBE(int i) {
            return view.getLong(i);
        }

        @Override
        String string(int i, int length, Charset charset) {
            byte[] copy = new byte[length];
            view.get(i, copy);
            return new String(copy, charset);
        }

        @Override
        void copy(int i, byte[] destination) {
            view.get(i, destination);
        }
    }
}
