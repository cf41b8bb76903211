/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replays a libFuzzer corpus without libFuzzer: every file named on the
 * command line (directories are walked one level) is fed once to
 * LLVMFuzzerTestOneInput.  Built with gcc + ASan/UBSan in CI, so a corpus
 * entry that crashes a parser fails the test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        FILE *f = fopen(path, "rb");
        if (!f) {
                perror(path);
                return -1;
        }
        uint8_t *buf = NULL;
        size_t size = 0, cap = 0, n;
        do {
                if (size == cap) {
                        cap = cap ? cap * 2 : 65536;
                        uint8_t *nb = realloc(buf, cap);
                        if (!nb) {
                                free(buf);
                                fclose(f);
                                return -1;
                        }
                        buf = nb;
                }
                n = fread(buf + size, 1, cap - size, f);
                size += n;
        } while (n > 0);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, size);
        free(buf);
        return 0;
}

int main(int argc, char **argv) {
        unsigned count = 0;
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        perror(argv[i]);
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (run_file(argv[i]) < 0)
                                return 1;
                        count++;
                        continue;
                }
                struct dirent **names;
                int n = scandir(argv[i], &names, NULL, alphasort);
                if (n < 0) {
                        perror(argv[i]);
                        return 1;
                }
                for (int j = 0; j < n; j++) {
                        char path[4096];
                        if (names[j]->d_name[0] != '.') {
                                snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]->d_name);
                                if (run_file(path) < 0)
                                        return 1;
                                count++;
                        }
                        free(names[j]);
                }
                free(names);
        }
        if (count == 0) {
                fprintf(stderr, "no corpus files: a replay that runs nothing checks nothing\n");
                return 1;
        }
        printf("replayed %u inputs\n", count);
        return 0;
}
