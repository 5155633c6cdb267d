#define _GNU_SOURCE
#include <stdio.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <string.h>
int main(void){int fd=open("/dev/pmd_probe",O_RDWR); if(fd<0){perror("open");return 1;}
uint8_t*res=mmap(0,4<<20,PROT_NONE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0);uintptr_t a=((uintptr_t)res+(2<<20)-1)&~(uintptr_t)((2<<20)-1);
volatile uint8_t*p=mmap((void*)a,2<<20,PROT_READ,MAP_SHARED|MAP_FIXED,fd,0);if(p==MAP_FAILED){perror("mmap");return 1;}
unsigned s=0;for(int i=0;i<(2<<20);i+=4096)s+=p[i];
long r=ioctl(fd,0,0);printf("# VM_PFNMAP driver vma on this kernel: huge_fault calls=%ld, PMD inserted=%ld, 4K faults=%ld\n",r/1000000,(r/1000)%1000,r%1000);
FILE*f=fopen("/proc/self/smaps","r");char l[256];int in=0;unsigned long long lo,hi;while(fgets(l,256,f)){if(sscanf(l,"%llx-%llx ",&lo,&hi)==2){in=(uintptr_t)p>=lo&&(uintptr_t)p<hi;if(in)printf("# %s",l);continue;}if(in&&(strstr(l,"Pmd")||strstr(l,"Rss:")||strstr(l,"VmFlags")))printf("# %s",l);}return 0;}
