/*
 * qmpkit reseed helper: a static x86-64 Linux program the entropy fix-up copies into a clone
 * whose kernel did not reseed on the new vmgenid (no driver), and runs through the guest agent.
 * It asks the kernel to reseed its CRNG now (ioctl RNDRESEEDCRNG on /dev/urandom, Linux 4.17+,
 * needs CAP_SYS_ADMIN), so the host entropy the fix-up wrote into /dev/urandom just before
 * reaches the output at once instead of at the next scheduled reseed (up to a minute later).
 * Exit status: 0 done, otherwise the errno of open or ioctl.
 * Build: build.sh's sibling build-reseed.sh; ReseedHelperTest checks the embedded bytes.
 */
        .globl _start
        .text
_start:
        mov     $2, %eax                /* open("/dev/urandom", O_WRONLY) */
        lea     path(%rip), %rdi
        mov     $1, %esi
        xor     %edx, %edx
        syscall
        test    %eax, %eax
        js      fail
        mov     %eax, %edi              /* ioctl(fd, RNDRESEEDCRNG) */
        mov     $16, %eax
        mov     $0x5207, %esi
        syscall
        test    %eax, %eax
        js      fail
        xor     %edi, %edi
        jmp     done
fail:
        neg     %eax
        mov     %eax, %edi
done:
        mov     $60, %eax               /* exit(status) */
        syscall
path:
        .asciz  "/dev/urandom"
