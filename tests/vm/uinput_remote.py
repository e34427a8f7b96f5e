#!/usr/bin/python3
"""A virtual remote control through /dev/uinput (Python standard library only).

  uinput_remote.py CMDFILE
Creates the device "Hustings test remote", then waits for lines appended to
CMDFILE: a key name (KEY_CHANNELUP, KEY_OK, ...) presses and releases it.
"""
import fcntl, os, struct, sys, time

KEYS = {"KEY_UP": 103, "KEY_DOWN": 108, "KEY_LEFT": 105, "KEY_RIGHT": 106, "KEY_OK": 352,
        "KEY_BACK": 158, "KEY_CHANNELUP": 402, "KEY_CHANNELDOWN": 403, "KEY_INFO": 358,
        "KEY_EPG": 365, "KEY_MENU": 139, "KEY_1": 2, "KEY_2": 3}
EV_SYN, EV_KEY = 0, 1
UI_SET_EVBIT, UI_SET_KEYBIT = 0x40045564, 0x40045565
UI_DEV_SETUP, UI_DEV_CREATE = 0x405c5503, 0x5501

fd = os.open("/dev/uinput", os.O_WRONLY | os.O_NONBLOCK)
fcntl.ioctl(fd, UI_SET_EVBIT, EV_KEY)
for code in KEYS.values():
    fcntl.ioctl(fd, UI_SET_KEYBIT, code)
# struct uinput_setup { struct input_id { u16 bustype, vendor, product, version }; char name[80]; u32 ff_effects_max; }
setup = struct.pack("HHHH80sI", 0x06, 0x1209, 0x0001, 1, b"Hustings test remote", 0)
fcntl.ioctl(fd, UI_DEV_SETUP, setup)
fcntl.ioctl(fd, UI_DEV_CREATE)
print("uinput remote ready", flush=True)

def emit(kind, code, value):
    os.write(fd, struct.pack("llHHi", 0, 0, kind, code, value))

done = 0
while True:
    try:
        lines = open(sys.argv[1]).read().split()
    except FileNotFoundError:
        lines = []
    for name in lines[done:]:
        emit(EV_KEY, KEYS[name], 1); emit(EV_SYN, 0, 0)
        time.sleep(0.05)
        emit(EV_KEY, KEYS[name], 0); emit(EV_SYN, 0, 0)
        print(f"pressed {name}", flush=True)
    done = len(lines)
    time.sleep(0.2)
