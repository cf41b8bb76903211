/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The VM tests' guest: a boot sector that prints "bladed-guest boot" once
 * and then "tick N" with N = 1, 2, 3 ... on the first serial port (COM1),
 * about once a second.  N lives in guest memory, so after a live migration
 * the target's serial log goes on counting where the source's stopped,
 * which proves memory and CPU state moved; a restarted guest would print
 * "boot" and start again at 1.
 *
 * It idles with hlt between BIOS timer ticks (18.2 Hz, counted by the BIOS
 * at 0040:006C), so QEMU's software emulation costs little.  It has no ACPI
 * support: a shutdown request (power button) is ignored, as from a hung
 * guest, so the agent's stop has to destroy it.
 *
 * Build (GNU binutils, done by the tests):
 *   as --32 -o guest.o guest.S
 *   ld -m elf_i386 -Ttext 0x7c00 -e start --oformat binary -o guest.bin guest.o
 */
        .code16
        .text
        .globl start
start:
        cli
        xorw    %ax, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    $0x7c00, %sp
        sti
        movw    $banner, %si
        call    puts
        movw    0x46c, %ax              /* BIOS tick counter, low word */
        movw    %ax, next
second:
        addw    $18, next               /* 18 ticks ~ 0.99 s */
wait:
        hlt                             /* sleep until the next interrupt */
        movw    0x46c, %ax
        subw    next, %ax
        js      wait                    /* wraps safely: signed difference */
        incw    counter
        movw    $tick, %si
        call    puts
        movw    counter, %ax
        call    putdec
        movw    $crlf, %si
        call    puts
        jmp     second

/* Print the NUL-terminated string at %si. */
puts:
        lodsb
        testb   %al, %al
        jz      1f
        call    putc
        jmp     puts
1:      ret

/* Print %ax as an unsigned decimal number. */
putdec:
        xorw    %cx, %cx
        movw    $10, %bx
1:      xorw    %dx, %dx
        divw    %bx
        pushw   %dx
        incw    %cx
        testw   %ax, %ax
        jnz     1b
2:      popw    %ax
        addb    $'0', %al
        call    putc
        loop    2b
        ret

/* Write %al to COM1 once its transmit register is empty. */
putc:
        pushw   %dx
        pushw   %ax
        movw    $0x3fd, %dx             /* line status register */
1:      inb     %dx, %al
        testb   $0x20, %al
        jz      1b
        popw    %ax
        movw    $0x3f8, %dx             /* transmit holding register */
        outb    %al, %dx
        popw    %dx
        ret

banner: .asciz  "bladed-guest boot\r\n"
tick:   .asciz  "tick "
crlf:   .asciz  "\r\n"
counter: .word  0
next:   .word   0

        .org    510
        .word   0xaa55
