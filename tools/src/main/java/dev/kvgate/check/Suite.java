package dev.kvgate.check;

import java.util.ArrayList;
import java.util.List;

/**
 * Every case of {@code kvgate check}, in the order they run. A case's number is its place here, the
 * same whatever {@code --only} and {@code --skip} select, so reports of different runs line up.
 */
public final class Suite {
    private static final List<Case> ALL = build();

    private Suite() {
    }

    public static List<Case> cases() {
        return ALL;
    }

    private static List<Case> build() {
        List<Case> all = new ArrayList<>();
        all.addAll(ProtocolCases.CASES);
        all.addAll(SessionCases.CASES);
        all.addAll(StressCases.CASES);
        all.addAll(TlsCases.CASES);
        return List.copyOf(all);
    }
}
