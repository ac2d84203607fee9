/*
 * disk-probes: the file-system costs behind FileSystemInstanceStore's write-ahead journal and spool,
 * measured directly (no .NET, no network) on the folder given, which must be on the disk to be judged.
 * Each probe runs N times and prints p50/p90/p99 in ms. See docs/benchmarks.md (DICOM) for what each
 * figure decided. Build and run: bench/disk-probes/run.sh [FOLDER]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define N 200
#define SLOT (1 << 20)
#define INSTANCE 540672 /* a 512x512 CT instance, 528 KiB */
#define RING (32 << 20)

static double samples[N];
static char *data;
static char folder[4096];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what)
{
    qsort(samples, N, sizeof(double), compare);
    printf("%-62s p50 %.3f  p90 %.3f  p99 %.3f ms\n", what, samples[N / 2], samples[N * 9 / 10], samples[N * 99 / 100]);
    fflush(stdout);
}

static char *path(const char *name, int i)
{
    static char p[8192];
    snprintf(p, sizeof p, "%s/%s%d", folder, name, i);
    return p;
}

/* A file of `size` bytes written with non-zero bytes and fsynced: blocks allocated and written. */
static int prewritten(const char *name, int i, size_t size)
{
    int fd = open(path(name, i), O_RDWR | O_CREAT | O_TRUNC, 0644);
    for (size_t o = 0; o < size; o += SLOT)
        pwrite(fd, data, size - o < SLOT ? size - o : SLOT, o);
    fsync(fd);
    return fd;
}

static int slots[N];
static void make_slots(int drop)
{
    for (int i = 0; i < N; i++) {
        slots[i] = prewritten("slot", i, SLOT);
        if (drop)
            posix_fadvise(slots[i], 0, 0, POSIX_FADV_DONTNEED);
    }
    sync();
}

static void remove_slots(void)
{
    for (int i = 0; i < N; i++) {
        close(slots[i]);
        unlink(path("slot", i));
    }
}

static int cut_fd;
static void *cut(void *unused)
{
    (void)unused;
    ftruncate(cut_fd, INSTANCE);
    return NULL;
}

int main(int argc, char **argv)
{
    snprintf(folder, sizeof folder, "%s/disk-probes.%d", argc > 1 ? argv[1] : "/tmp", (int)getpid());
    if (mkdir(folder, 0755) != 0) {
        perror(folder);
        return 1;
    }
    data = malloc(SLOT);
    memset(data, 1, SLOT);
    int ring = prewritten("ring", 0, RING);
    size_t at = 0;
#define RECORD(bytes) do { pwrite(ring, data, bytes, at); at = (at + 65536) % RING; } while (0)

    for (int i = 0; i < N; i++) { double t = now(); fdatasync(ring); samples[i] = now() - t; }
    report("flush alone (fdatasync, nothing written)");
    for (int i = 0; i < N; i++) { double t = now(); RECORD(4096); fdatasync(ring); samples[i] = now() - t; }
    report("4 KiB record written + fdatasync (pre-written ring)");
    for (int i = 0; i < N; i++) { double t = now(); RECORD(32768); fdatasync(ring); samples[i] = now() - t; }
    report("32 KiB record written + fdatasync (pre-written ring)");

    /* A journaled instance's file: an empty file made ready earlier, written and renamed (no flush). */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < N; i++) close(open(path("blank", i), O_CREAT | O_WRONLY, 0644));
        sync();
        for (int i = 0; i < N; i++) {
            char target[8192];
            snprintf(target, sizeof target, "%s/file%d.dcm", folder, i);
            double t = now();
            int fd = open(path("blank", i), O_WRONLY);
            pwrite(fd, data, 33000, 0);
            if (pass == 0)
                sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
            close(fd);
            rename(path("blank", i), target);
            samples[i] = now() - t;
            unlink(target);
        }
        report(pass == 0 ? "ready file: 32 KiB written, write-back started, renamed" : "ready file: 32 KiB written, renamed (no write-back start)");
    }
    for (int i = 0; i < N; i++) {
        double t = now();
        int fd = open(path("new", i), O_WRONLY | O_CREAT | O_EXCL, 0644);
        pwrite(fd, data, 33000, 0);
        close(fd);
        samples[i] = now() - t;
    }
    report("new file created, 32 KiB written (what storescp does)");
    for (int i = 0; i < N; i++) unlink(path("new", i));

    /* The cut of a spool slot to its instance's length. */
    make_slots(0);
    for (int i = 0; i < N; i++) { double t = now(); ftruncate(slots[i], INSTANCE); samples[i] = now() - t; }
    report("cut 1 MiB slot to 528 KiB, slot pages cached");
    remove_slots();
    make_slots(1);
    for (int i = 0; i < N; i++) { double t = now(); ftruncate(slots[i], INSTANCE); samples[i] = now() - t; }
    report("cut 1 MiB slot to 528 KiB, slot pages dropped");
    remove_slots();
    make_slots(0);
    for (int i = 0; i < N; i++) {
        pthread_t thread;
        cut_fd = slots[i];
        double t = now();
        pthread_create(&thread, NULL, cut, NULL);
        RECORD(4096);
        fdatasync(ring);
        samples[i] = now() - t;
        pthread_join(thread, NULL);
    }
    report("4 KiB record + fdatasync while another thread cuts a slot");
    remove_slots();

    /* The end of a spooled instance: the slot's last 128 KiB written out, then the record. */
    make_slots(0);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < N; i++) {
            pwrite(slots[i], data, 131072, pass * 262144);
            double t = now();
            if (pass == 0) {
                sync_file_range(slots[i], pass * 262144, 131072, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
                RECORD(4096);
            } else {
                size_t record = at;
                RECORD(4096);
                sync_file_range(ring, record, 4096, SYNC_FILE_RANGE_WRITE);
                sync_file_range(slots[i], pass * 262144, 131072, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
            }
            fdatasync(ring);
            samples[i] = now() - t;
        }
        report(pass == 0 ? "128 KiB slot tail written out, then 4 KiB record + fdatasync" : "record written and started first, slot tail written out, fdatasync");
    }
    remove_slots();

    close(ring);
    unlink(path("ring", 0));
    rmdir(folder);
    return 0;
}
