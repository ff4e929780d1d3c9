/*
 * qmpkit built-in test guest: a Multiboot (v1) kernel for QEMU's -kernel option.
 *
 * Assembled into a flat binary (a.out kludge, flag bit 16) by build.sh; the bytes are
 * embedded in dev.qmpkit.templating.guest.GuestImage, and BuiltinGuestTest re-assembles
 * this file to prove source and bytes match. The layout constants below are mirrored in
 * BuiltinGuest (the test checks that too): change both or neither.
 *
 * What it does, in order:
 *   1. checks that RAM reaches the end of the pattern (else prints "ERROR ..." and halts);
 *   2. fills PATTERN_START .. PATTERN_START+PATTERN_BYTES with: word at physical address A
 *      = A xor PATTERN_XOR (32-bit little-endian words);
 *   3. prints a "GUEST ..." line telling where things are, then "READY", on COM1;
 *   4. programs the PIT at TICK_HZ, remaps the PIC (IRQ0 only, vectors 0x20..0x2f) and
 *      sleeps in sti;hlt. Each timer tick increments the 64-bit counter at COUNTER_ADDRESS;
 *      every PRINT_EVERY ticks the main loop prints "COUNT <16 hex digits>".
 * Nothing is kept in CPU registers across ticks, so a guest restored from a migration (or a
 * template) simply continues counting.
 *
 * Physical memory used (all below 48 MiB, so any RAM size >= 64 MiB leaves the top of RAM,
 * where SeaBIOS puts ACPI tables and the vmgenid buffer, untouched):
 *   0x00100000  this image (code and constant data only, no bss)
 *   0x00200000  state page: counter (u64), ready magic (u32), print flag (u32)
 *   0x00201000  IDT (48 gates)
 *   0x00210000  top of the stack (grows down to 0x00208000)
 *   0x01000000  pattern, 32 MiB
 */
        .set MB_MAGIC,          0x1BADB002
        .set MB_FLAGS,          0x00010000      /* bit 16: load addresses are in the header */
        .set LOAD_ADDRESS,      0x00100000

        .set STATE_ADDRESS,     0x00200000
        .set COUNTER_ADDRESS,   0x00200000
        .set READY_MAGIC_ADDRESS, 0x00200008
        .set READY_MAGIC,       0x59444552      /* "REDY" */
        .set PRINT_FLAG_ADDRESS, 0x0020000c
        .set IDT_ADDRESS,       0x00201000
        .set IDT_GATES,         48
        .set STACK_TOP,         0x00210000

        .set PATTERN_START,     0x01000000
        .set PATTERN_BYTES,     0x02000000
        .set PATTERN_XOR,       0x5a17c0de

        .set TICK_HZ,           100
        .set PIT_DIVISOR,       11932           /* 1193182 Hz / TICK_HZ */
        .set PRINT_EVERY,       10

        .set COM1,              0x3f8
        .set CODE_SEL,          0x08
        .set DATA_SEL,          0x10

        .code32
        .text
        .globl _start
_start:
        jmp     entry

        .balign 4
mb_header:
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)
        .long   mb_header                       /* header_addr */
        .long   _start                          /* load_addr */
        .long   0                               /* load_end_addr: the whole file */
        .long   0                               /* bss_end_addr: no bss */
        .long   entry                           /* entry_addr */

entry:
        cli
        cld
        mov     %eax, %esi                      /* multiboot magic */
        lgdt    gdt_ptr
        ljmp    $CODE_SEL, $reload_cs
reload_cs:
        mov     $DATA_SEL, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     %ax, %fs
        mov     %ax, %gs
        mov     $STACK_TOP, %esp

        call    serial_init

        /* RAM size from the multiboot info: mem_upper is KiB above 1 MiB. */
        cmp     $0x2BADB002, %esi
        jne     ram_ok                          /* no info: trust the documented minimum */
        testl   $1, (%ebx)
        jz      ram_ok
        mov     8(%ebx), %eax
        cmp     $((PATTERN_START + PATTERN_BYTES - 0x100000) / 1024), %eax
        jae     ram_ok
        mov     $msg_small, %esi
        call    puts
        jmp     halt_forever
ram_ok:
        /* State page first, so a half-booted guest never shows a stale counter. */
        movl    $0, COUNTER_ADDRESS
        movl    $0, COUNTER_ADDRESS + 4
        movl    $0, READY_MAGIC_ADDRESS
        movl    $0, PRINT_FLAG_ADDRESS

        mov     $PATTERN_START, %edi
        mov     $(PATTERN_START + PATTERN_BYTES), %ecx
fill:
        mov     %edi, %eax
        xor     $PATTERN_XOR, %eax
        mov     %eax, (%edi)
        add     $4, %edi
        cmp     %ecx, %edi
        jb      fill

        call    idt_init
        call    pic_init
        call    pit_init

        /* Where things are, printed from the same constants the code uses. */
        mov     $msg_pattern, %esi
        call    puts
        mov     $PATTERN_START, %eax
        call    puthex32
        mov     $msg_plus, %esi
        call    puts
        mov     $PATTERN_BYTES, %eax
        call    puthex32
        mov     $msg_xor, %esi
        call    puts
        mov     $PATTERN_XOR, %eax
        call    puthex32
        mov     $msg_counter, %esi
        call    puts
        mov     $COUNTER_ADDRESS, %eax
        call    puthex32
        mov     $'\n', %al
        call    putc
        movl    $READY_MAGIC, READY_MAGIC_ADDRESS
        mov     $msg_ready, %esi
        call    puts

main_loop:
        cli
        cmpl    $0, PRINT_FLAG_ADDRESS
        je      idle
        movl    $0, PRINT_FLAG_ADDRESS
        /* Read both halves with interrupts off so the value printed is consistent. */
        mov     COUNTER_ADDRESS, %eax
        mov     COUNTER_ADDRESS + 4, %edx
        sti
        push    %eax
        mov     $msg_count, %esi
        call    puts
        mov     %edx, %eax
        call    puthex32
        pop     %eax
        call    puthex32
        mov     $'\n', %al
        call    putc
        jmp     main_loop
idle:
        sti                                     /* sti's shadow makes sti;hlt race-free */
        hlt
        jmp     main_loop

halt_forever:
        cli
        hlt
        jmp     halt_forever

/* ---- interrupts ---- */

idt_init:
        mov     $IDT_ADDRESS, %edi
        xor     %ecx, %ecx
1:
        cmp     $32, %ecx
        jae     2f
        lea     fault_stubs(,%ecx,8), %eax
        jmp     4f
2:
        cmp     $32, %ecx
        jne     3f
        mov     $irq0, %eax
        jmp     4f
3:
        mov     $irq_other, %eax
4:
        mov     %ax, (%edi)                     /* offset 15..0 */
        movw    $CODE_SEL, 2(%edi)
        movw    $0x8e00, 4(%edi)                /* present, DPL 0, 32-bit interrupt gate */
        shr     $16, %eax
        mov     %ax, 6(%edi)                    /* offset 31..16 */
        add     $8, %edi
        inc     %ecx
        cmp     $IDT_GATES, %ecx
        jb      1b
        lidt    idt_ptr
        ret

/* Master PIC to vectors 0x20..0x27, slave to 0x28..0x2f; only IRQ0 (the PIT) unmasked. */
pic_init:
        mov     $0x11, %al
        out     %al, $0x20
        out     %al, $0xa0
        mov     $0x20, %al
        out     %al, $0x21
        mov     $0x28, %al
        out     %al, $0xa1
        mov     $0x04, %al
        out     %al, $0x21
        mov     $0x02, %al
        out     %al, $0xa1
        mov     $0x01, %al
        out     %al, $0x21
        out     %al, $0xa1
        mov     $0xfe, %al
        out     %al, $0x21
        mov     $0xff, %al
        out     %al, $0xa1
        ret

/* PIT channel 0, rate generator, TICK_HZ. */
pit_init:
        mov     $0x34, %al
        out     %al, $0x43
        mov     $(PIT_DIVISOR & 0xff), %al
        out     %al, $0x40
        mov     $(PIT_DIVISOR >> 8), %al
        out     %al, $0x40
        ret

irq0:
        push    %eax
        addl    $1, COUNTER_ADDRESS
        adcl    $0, COUNTER_ADDRESS + 4
        mov     COUNTER_ADDRESS, %eax
        push    %edx
        push    %ecx
        xor     %edx, %edx
        mov     $PRINT_EVERY, %ecx
        div     %ecx
        test    %edx, %edx
        jnz     1f
        movl    $1, PRINT_FLAG_ADDRESS
1:
        pop     %ecx
        pop     %edx
        mov     $0x20, %al
        out     %al, $0x20
        pop     %eax
        iret

/* Masked lines never fire; a spurious IRQ7/IRQ15 needs no EOI to the line itself. */
irq_other:
        push    %eax
        mov     $0x20, %al
        out     %al, $0xa0
        out     %al, $0x20
        pop     %eax
        iret

/* One 8-byte stub per exception vector, so the handler knows which one fired. */
        .balign 8
fault_stubs:
        .set vec, 0
        .rept 32
        .balign 8
        push    $vec
        jmp     fault
        .set vec, vec + 1
        .endr

fault:
        cli
        mov     (%esp), %ebx                    /* the vector its stub pushed */
        mov     $msg_fault, %esi
        call    puts
        mov     %ebx, %eax
        call    puthex32
        mov     $'\n', %al
        call    putc
        jmp     halt_forever

/* ---- COM1 ---- */

serial_init:
        mov     $0x00, %al
        mov     $(COM1 + 1), %dx
        out     %al, %dx                        /* no UART interrupts */
        mov     $0x80, %al
        mov     $(COM1 + 3), %dx
        out     %al, %dx                        /* DLAB */
        mov     $0x01, %al
        mov     $(COM1 + 0), %dx
        out     %al, %dx                        /* 115200 baud */
        mov     $0x00, %al
        mov     $(COM1 + 1), %dx
        out     %al, %dx
        mov     $0x03, %al
        mov     $(COM1 + 3), %dx
        out     %al, %dx                        /* 8N1 */
        mov     $0xc7, %al
        mov     $(COM1 + 2), %dx
        out     %al, %dx                        /* FIFO on, cleared */
        mov     $0x03, %al
        mov     $(COM1 + 4), %dx
        out     %al, %dx                        /* DTR, RTS */
        ret

/* putc: %al. Preserves all registers but flags. */
putc:
        push    %edx
        push    %eax
        mov     $(COM1 + 5), %dx
1:
        in      %dx, %al
        test    $0x20, %al                      /* transmit holding register empty */
        jz      1b
        pop     %eax
        mov     $COM1, %dx
        out     %al, %dx
        pop     %edx
        ret

/* puts: NUL-terminated string at %esi. Clobbers %esi, %al. */
puts:
        lodsb
        test    %al, %al
        jz      1f
        call    putc
        jmp     puts
1:
        ret

/* puthex32: %eax as 8 lower-case hex digits. Preserves registers but flags. */
puthex32:
        push    %eax
        push    %ebx
        push    %ecx
        mov     %eax, %ebx
        mov     $8, %ecx
1:
        rol     $4, %ebx
        mov     %bl, %al
        and     $0x0f, %al
        add     $'0', %al
        cmp     $'9', %al
        jbe     2f
        add     $('a' - '9' - 1), %al
2:
        call    putc
        loop    1b
        pop     %ecx
        pop     %ebx
        pop     %eax
        ret

/* ---- constant data ---- */

        .balign 8
gdt:
        .quad   0
        .quad   0x00cf9a000000ffff              /* 0x08: flat 32-bit code */
        .quad   0x00cf92000000ffff              /* 0x10: flat 32-bit data */
gdt_end:
gdt_ptr:
        .word   gdt_end - gdt - 1
        .long   gdt
idt_ptr:
        .word   IDT_GATES * 8 - 1
        .long   IDT_ADDRESS

msg_small:
        .asciz  "ERROR qmpkit guest needs RAM up to 0x03000000 (48 MiB); give QEMU -m 64 or more\n"
msg_pattern:
        .asciz  "GUEST qmpkit-counter pattern=0x"
msg_plus:
        .asciz  "+0x"
msg_xor:
        .asciz  " xor=0x"
msg_counter:
        .asciz  " counter=0x"
msg_ready:
        .asciz  "READY\n"
msg_count:
        .asciz  "COUNT "
msg_fault:
        .asciz  "FAULT vector=0x"
